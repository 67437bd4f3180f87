"""rateest: compare the rates measured by RATEEST targets with each other or with a fixed rate."""

from fwlint.extensions import NoNft, OptionSpec, match

_NFT = NoNft('rate estimators (RATEEST) have no nft form')


EXTENSION = match(
    "rateest",
    OptionSpec("rateest1", aliases=("rateest",), help="name of the first rate estimator"),
    OptionSpec("rateest2", help="name of the second rate estimator"),
    OptionSpec("rateest-delta", arity=0, help="compare the differences to the given rates"),
    OptionSpec("rateest-bps1", aliases=("rateest-bps",),
               help="bytes per second to compare the first estimator with"),
    OptionSpec("rateest-pps1", aliases=("rateest-pps",),
               help="packets per second to compare the first estimator with"),
    OptionSpec("rateest-bps2", help="bytes per second to compare the second estimator with"),
    OptionSpec("rateest-pps2", help="packets per second to compare the second estimator with"),
    OptionSpec("rateest-lt", arity=0, invertible=True, help="rate less than"),
    OptionSpec("rateest-gt", arity=0, invertible=True, help="rate greater than"),
    OptionSpec("rateest-eq", arity=0, invertible=True, help="rate equal"),
    summary="rates measured by the RATEEST target", nft=_NFT,
    # the kernel refuses a rateest match without an estimator, a rate kind and a comparison
    # (xt_rateest_mt_checkentry); an estimator must exist by then: -j RATEEST creates it
    required=(frozenset({"rateest1", "rateest2"}),
              frozenset({"rateest-bps1", "rateest-pps1", "rateest-bps2", "rateest-pps2"}),
              frozenset({"rateest-lt", "rateest-gt", "rateest-eq"})),
)
