"""balintbib.remotes"""
