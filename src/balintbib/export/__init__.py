"""balintbib.export"""
