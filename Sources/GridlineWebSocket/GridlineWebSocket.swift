// GridlineWebSocket: placeholder until its step lands.
