"""The commitments register: MoUs, agreements and investments followed to realised capital."""
