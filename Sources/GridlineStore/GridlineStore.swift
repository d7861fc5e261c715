// GridlineStore: placeholder until its step lands.
