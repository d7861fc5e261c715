// GridlineJSON: placeholder until its step lands.
