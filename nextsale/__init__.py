"""The Next Sale's core: plain functions and data, one home per shared idea, no Pelican signals.

The plugins in plugins/ fetch inputs from Pelican, call these modules and store
their outputs; the command-line tools run as `python -m nextsale.<tool>`.
"""
