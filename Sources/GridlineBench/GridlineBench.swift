// GridlineBench: placeholder until the bench lands.
