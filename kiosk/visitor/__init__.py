"""Visitors' hands on the screen: touch, gestures, the visitor's rules, its controls, the
staff PIN."""
