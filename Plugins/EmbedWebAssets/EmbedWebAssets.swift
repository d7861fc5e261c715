import Foundation
import PackagePlugin

/// Embeds the browser files of `Web/` (SPEC §13) into the target that uses this plugin, so the
/// binary serves them with no file lookup at run time. The command declares every file it reads
/// and the one Swift file it writes, so the build re-runs it exactly when a file changes.
@main
struct EmbedWebAssets: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let webDirectory = context.package.directoryURL.appending(path: "Web")
        let inputs = try FileManager.default
            .contentsOfDirectory(at: webDirectory, includingPropertiesForKeys: [.isRegularFileKey])
            .filter { !$0.lastPathComponent.hasPrefix(".") }
            .filter { (try? $0.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
        let output = context.pluginWorkDirectoryURL.appending(path: "EmbeddedWebFiles.swift")
        return [
            .buildCommand(
                displayName: "Embedding \(inputs.count) web files into \(target.name)",
                executable: try context.tool(named: "gridline-embed").url,
                arguments: [output.path] + inputs.map(\.path),
                inputFiles: inputs,
                outputFiles: [output]
            ),
        ]
    }
}
