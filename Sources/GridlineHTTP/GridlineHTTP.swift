// GridlineHTTP: placeholder until its step lands.
