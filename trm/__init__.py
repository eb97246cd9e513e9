"""trm: a Transnational Referral Mechanism for trafficked persons."""

__version__ = "0.1.0"
