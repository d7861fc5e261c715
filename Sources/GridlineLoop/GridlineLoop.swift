// GridlineLoop: placeholder until its step lands.
