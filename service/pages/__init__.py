"""Server-rendered pages: the public event list, a participant's personal page and the
organisers' area. Vietnamese first, English by switch."""
