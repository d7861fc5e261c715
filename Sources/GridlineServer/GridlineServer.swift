// GridlineServer: placeholder until its step lands.
