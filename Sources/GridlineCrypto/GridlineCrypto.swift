// GridlineCrypto: placeholder until its step lands.
