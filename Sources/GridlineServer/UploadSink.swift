import Glibc
import GridlineLoop

/// Where a `PUT /api/v1/uploads/{id}` body goes: a server-named file under the data
/// directory, written as bytes arrive (never whole in memory), with throttled progress.
/// Loop thread only.
final class UploadSink {
    let fileID: String
    let user: String
    let filename: String
    let declaredSize: Int64
    let room: String?
    let storedName: String
    let partialPath: String
    let finalPath: String
    private var fd: Int32
    private(set) var received: Int64 = 0
    private var lastReportAt: UInt64 = 0
    private var lastReportedPercent = -1

    struct OpenFailure: Error {}

    init(fileID: String, user: String, filename: String, declaredSize: Int64, room: String?, directory: String,
         storedName: String) throws {
        self.fileID = fileID
        self.user = user
        self.filename = filename
        self.declaredSize = declaredSize
        self.room = room
        self.storedName = storedName
        self.partialPath = directory + "/" + storedName + ".part"
        self.finalPath = directory + "/" + storedName
        fd = open(partialPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw OpenFailure() }
    }

    /// Appends bytes to the file; false on a disk error.
    func write(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let n = Glibc.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                return false
            }
            offset += n
        }
        received += Int64(bytes.count)
        return true
    }

    /// Whether a progress event is due: at most every 5 % or 250 ms (SPEC issue 6).
    func progressDue(now: UInt64) -> (percent: Double, due: Bool) {
        let percent = declaredSize == 0 ? 100 : Double(received) * 100 / Double(declaredSize)
        let whole = Int(percent)
        let due = whole >= lastReportedPercent + 5 || (now - lastReportAt >= 250_000_000 && whole > lastReportedPercent)
        if due {
            lastReportedPercent = whole
            lastReportAt = now
        }
        return ((percent * 10).rounded() / 10, due)
    }

    /// Closes the file; the writer thread fsyncs and renames it before recording completion.
    func close() {
        if fd >= 0 { Glibc.close(fd) }
        fd = -1
    }

    /// Drops the partial file.
    func discard() {
        close()
        unlink(partialPath)
    }
}

/// Makes a finished upload durable: fsync the bytes, move them to their final name, fsync the
/// directory. Runs on the store's writer thread, before the row says `complete`.
func persistUploadedFile(partialPath: String, finalPath: String, directory: String) -> Bool {
    let fd = open(partialPath, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return false }
    let synced = fsync(fd) == 0
    close(fd)
    guard synced, rename(partialPath, finalPath) == 0 else { return false }
    let dirFD = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    if dirFD >= 0 {
        fsync(dirFD)
        close(dirFD)
    }
    return true
}
