// TGFLCore re-exports the seeded generator, so `import TGFLCore` is all a user needs.
@_exported import TGFLRandom
