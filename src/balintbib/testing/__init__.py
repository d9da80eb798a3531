"""balintbib.testing"""
