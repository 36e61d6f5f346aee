// TGFLCore re-exports the base target (errors, the seeded generator, finite checks, sampling),
// so `import TGFLCore` is all a user needs.
@_exported import TGFLBase
