"""balintbib.formats"""
