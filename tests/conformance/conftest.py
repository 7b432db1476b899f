import conformance.hypothesis_profiles  # noqa: F401  (registers ci / dev / thorough for --hypothesis-profile)
