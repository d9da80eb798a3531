"""balintbib.tui"""
