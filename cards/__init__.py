"""The packaged model cards. A package only so that the cards install with cardhub and can be
found with importlib.resources from any working directory."""
