"""balintbib.normalize"""
