import Foundation
import PostgresLedger
import Testing
@testable import UnpaidDaemon

/// `[storage]` paths are checked before anything runs and reported in words, with the key.
@Suite struct StorageCheckTests {
    let root = "/tmp/unpaidd-storage-\(UUID().uuidString.prefix(8))"

    init() throws {
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
    }

    func storage(database: String? = nil, archive: String? = nil, spool: String? = nil) -> StorageSettings {
        let archive = archive ?? root + "/archive"
        return StorageSettings(database: database ?? root + "/state/ledger.sqlite", archiveDirectory: archive,
                               spoolDirectory: spool ?? archive + "/.spool")
    }

    @Test func anArchiveUnderARegularFileIsNamedWithItsKey() async throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        let file = root + "/plain-file"
        try Data("x".utf8).write(to: URL(filePath: file))
        let settings = storage(archive: file + "/archive")

        for creating in [false, true] {
            let error = #expect(throws: StorageError.self) { try Self.attempt(settings, creating: creating) }
            #expect(error?.key == "storage.archive_dir")
            #expect(error?.problem == .directory(.notADirectory(path: file)))
            let text = error?.description ?? ""
            #expect(text.contains("storage.archive_dir") && text.contains("\(file) exists and is not a directory"), "\(text)")
            #expect(!text.contains("NSCocoaErrorDomain") && !text.contains("Code="), "\(text)")
        }
    }

    /// Root writes everywhere: StorageProcessTests runs the same case as another user.
    @Test(.enabled(if: getuid() != 0)) func aSpoolInADirectoryThisUserCannotWriteIsNamed() async throws {
        defer { chmod(root + "/locked", 0o700); try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.createDirectory(atPath: root + "/locked", withIntermediateDirectories: true)
        chmod(root + "/locked", 0o500)
        let settings = storage(spool: root + "/locked/spool")

        for creating in [false, true] {
            let error = #expect(throws: StorageError.self) { try Self.attempt(settings, creating: creating) }
            #expect(error?.key == "storage.spool_dir")
            #expect(error?.problem == .directory(.notWritable(path: root + "/locked")))
            #expect(error?.description.contains("\(root)/locked is not writable by user") == true, "\(String(describing: error))")
        }
    }

    static func attempt(_ settings: StorageSettings, creating: Bool) throws {
        if creating { try StorageCheck.prepare(settings) } else { try StorageCheck.check(settings) }
    }

    @Test func aDatabasePathThatIsADirectoryIsNamed() async throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        #expect(throws: StorageError(key: "storage.database", path: root, problem: .notAFile)) {
            try StorageCheck.check(storage(database: root))
        }
    }

    /// A database server keeps its own files: only the archive and the spool are made here.
    @Test func aPostgresLedgerNeedsOnlyTheArchiveAndSpool() async throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        let location = PostgresLocation(endpoint: .tcp(host: "db.internal", port: 5432), user: "unpaidd", database: "unpaidd")
        let settings = StorageSettings(ledger: .postgres(location), archiveDirectory: root + "/archive",
                                       spoolDirectory: root + "/archive/.spool")
        #expect(StorageCheck.directories(of: settings).map(\.key) == ["storage.archive_dir", "storage.spool_dir"])
        try StorageCheck.prepare(settings)
        #expect(try FileManager.default.contentsOfDirectory(atPath: root) == ["archive"])
    }

    @Test func checkingCreatesNothingAndPreparingCreatesOwnerOnlyDirectoriesUnderUmask022() async throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        let previous = umask(0o022)
        defer { umask(previous) }
        let settings = storage()

        try StorageCheck.check(settings)
        #expect(try FileManager.default.contentsOfDirectory(atPath: root).isEmpty)
        try StorageCheck.prepare(settings)
        for directory in [root + "/state", root + "/archive", root + "/archive/.spool"] {
            let attributes = try FileManager.default.attributesOfItem(atPath: directory)
            #expect(attributes[.posixPermissions] as? Int == 0o700, "\(directory)")
        }
        // The archive's own folders (organization, period, rejected/) are owner-only too.
        let spooled = settings.spoolDirectory + "/download-1"
        try Data("x".utf8).write(to: URL(filePath: spooled))
        let archived = try FileArchive(root: settings.archiveDirectory + "/rejected").add(
            spooledFile: spooled, organizationID: 7, periodLabel: "2026-10", fetchedAt: Date(), fileName: "a.xlsx")
        var directory = (archived as NSString).deletingLastPathComponent
        while directory != settings.archiveDirectory {
            let attributes = try FileManager.default.attributesOfItem(atPath: directory)
            #expect(attributes[.posixPermissions] as? Int == 0o700, "\(directory)")
            directory = (directory as NSString).deletingLastPathComponent
        }
    }
}
