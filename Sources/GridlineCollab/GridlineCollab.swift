// GridlineCollab: placeholder until its step lands.
