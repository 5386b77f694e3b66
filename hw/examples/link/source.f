source.v
