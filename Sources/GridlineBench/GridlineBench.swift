/// `gridline bench`: placeholder until the load tool lands.
public enum BenchCommand {
    public static func run(arguments: [String]) -> Int32 {
        print("gridline bench: not yet implemented")
        return 2
    }
}
