import GridlineLoop
import GridlineStore

/// The `cells` array of a write's `cells_updated {recalculated: true}`, encoded on the loop
/// thread while the writer is still committing (its fsync), so the broadcast after COMMIT only
/// copies it: with a thousand dependents the encoding is a few hundred microseconds that no
/// longer sit between COMMIT and the broadcast.
///
/// The writer hands the cells over right after computing them; the loop runs its tasks in
/// order, so the bytes are ready before the write's completion runs there. Nothing is sent
/// from here: the completion broadcasts only a committed write, as before, and a write that
/// does not commit leaves its bytes unused. `bytes` is touched on the loop thread only.
final class RecalculatedCellsJSON: @unchecked Sendable {
    private(set) var bytes: [UInt8]?

    /// Writer thread: queues the encoding of `cells` on `loop`.
    func prepare(_ cells: [AppliedCell], on loop: EventLoop) {
        guard !cells.isEmpty else { return }
        loop.execute { [self] in
            var json: [UInt8] = []
            AppliedCellsJSON.append(cells, to: &json)
            bytes = json
        }
    }

    /// Appends the `cells` array: the prepared bytes when they are there, else `cells` encoded now.
    func append(_ cells: [AppliedCell], to out: inout [UInt8]) {
        if let bytes { out.append(contentsOf: bytes) } else { AppliedCellsJSON.append(cells, to: &out) }
    }
}
