"""balintbib.cite"""
