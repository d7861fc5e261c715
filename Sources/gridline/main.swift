import GridlineServer
print("gridline: not yet")
