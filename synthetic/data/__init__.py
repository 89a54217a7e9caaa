"""Name, place and product lists the generator samples from."""
