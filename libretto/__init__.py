"""The citizen's libretto formativo: curriculum, acquired competences and the evidence behind them.

Other apps use `libretto.api` and the values in `libretto.data`; the models are private.
"""
