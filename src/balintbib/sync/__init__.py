"""balintbib.sync"""
