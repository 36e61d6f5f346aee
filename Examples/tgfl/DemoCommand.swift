import ArgumentParser
struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "demo")
}
struct FederateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "federate")
}
