"""The names along the synthetic universe's axes: factors, characteristics, styles, rules and
the funds' true parameters (:mod:`hftlab.fundgan.universe` generates them,
:mod:`hftlab.fundgan.validate` checks files against them)."""

FACTOR_NAMES = ("mkt", "smb", "hml", "umd")
CHAR_NAMES = ("alpha", "beta_mkt", "beta_smb", "beta_hml", "beta_umd", "idio_vol", "log_cap")
STYLES = ("Index", "Core", "Growth", "Value")
RULES = ("index", "mv", "tilt")
PARAM_NAMES = (
    "tilt_mkt",
    "tilt_smb",
    "tilt_hml",
    "tilt_umd",
    "risk_aversion",
    "holdings_target",
    "adjust_speed",
    "conviction_noise",
)
