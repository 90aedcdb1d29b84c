import Foundation
import Testing
import PostgresNIO
@testable import PostgresLedger

@Suite struct PostgresLocationTests {
    @Test func aFullURLGivesEveryPart() throws {
        let location = try PostgresLocation(
            url: "postgresql://unpaidd@db.internal:6543/ledger?sslmode=verify-full&sslrootcert=/etc/ssl/db-ca.pem",
            passwordEnvironment: "UNPAIDD_DB_PASSWORD")
        #expect(location.endpoint == .tcp(host: "db.internal", port: 6543))
        #expect(location.user == "unpaidd")
        #expect(location.database == "ledger")
        #expect(location.tlsMode == .verifyFull)
        #expect(location.rootCertificatePath == "/etc/ssl/db-ca.pem")
        #expect(location.password == .environment("UNPAIDD_DB_PASSWORD"))
    }

    @Test func defaultsAreLibpqs() throws {
        let location = try PostgresLocation(url: "postgres://unpaidd@db/ledger")
        #expect(location.endpoint == .tcp(host: "db", port: 5432))
        #expect(location.tlsMode == .prefer)
        #expect(location.rootCertificatePath == nil)
        #expect(location.password == .systemdCredential)
        #expect(location.connectTimeout == .seconds(10))
        #expect(try PostgresLocation(url: "postgres://unpaidd@db/ledger?connect_timeout=45").connectTimeout == .seconds(45))
    }

    @Test func percentEscapesAndIPv6AreDecoded() throws {
        let location = try PostgresLocation(url: "postgresql://fin%40ops@[2001:db8::5]:5433/unpaid%20ledger")
        #expect(location.user == "fin@ops")
        #expect(location.endpoint == .tcp(host: "2001:db8::5", port: 5433))
        #expect(location.database == "unpaid ledger")
        #expect(location.description.hasPrefix("postgresql://fin@ops@[2001:db8::5]:5433/unpaid ledger?sslmode=prefer"))
    }

    @Test func aDirectoryAsHostIsTheUnixSocket() throws {
        let named = try PostgresLocation(url: "postgresql://unpaidd@%2Frun%2Fpostgresql:5433/ledger")
        #expect(named.endpoint == .unixSocket(directory: "/run/postgresql", port: 5433))
        #expect(PostgresLocation.socketPath(directory: "/run/postgresql", port: 5433) == "/run/postgresql/.s.PGSQL.5433")
        let unnamed = try PostgresLocation(url: "postgresql://unpaidd@/ledger")
        #expect(unnamed.endpoint == .unixSocket(directory: "/var/run/postgresql", port: 5432))
    }

    @Test(arguments: PostgresLocation.TLSMode.allCases)
    func everySSLModeParsesAndMapsToTheDriver(_ mode: PostgresLocation.TLSMode) throws {
        let location = try PostgresLocation(url: "postgresql://u@h/d?sslmode=\(mode.rawValue)")
        #expect(location.tlsMode == mode)
        let settings = try location.tlsSettings()
        switch mode {
        case .disable: #expect(settings == nil)
        case .prefer, .require: #expect(settings?.certificateVerification == CertificateVerification.none)
        case .verifyCA: #expect(settings?.certificateVerification == .noHostnameVerification)
        case .verifyFull: #expect(settings?.certificateVerification == .fullVerification)
        }
    }

    @Test func anUnreadableRootCertificateIsReportedWhenConnecting() throws {
        let location = try PostgresLocation(url: "postgresql://u@h/d?sslmode=verify-full&sslrootcert=/nonexistent/ca.pem")
        #expect(throws: PostgresLocationError.self) { try location.tlsSettings() }
        do {
            _ = try location.tlsSettings()
        } catch {
            #expect(error.description.contains("storage.database: cannot load sslrootcert /nonexistent/ca.pem"))
        }
    }

    @Test(arguments: [
        ("postgresql://alice:hunter2secret@db/ledger", "user:password"),
        ("postgresql://alice:@db/ledger", "empty password"),
        ("postgresql://alice:pa@ss/w?rd@db/ledger", "password holding @ / ?"),
        ("postgresql://alice@db/ledger?password=hunter2secret", "password parameter"),
        ("postgresql://alice@db/ledger?sslmode=require&password=hunter2secret", "password after another parameter"),
    ])
    func aPasswordInTheURLIsRefusedWithoutRepeatingIt(_ url: String, _ why: String) {
        #expect(throws: PostgresLocationError.passwordInURL(key: "storage.database"), "\(why)") {
            try PostgresLocation(url: url)
        }
        let message = PostgresLocationError.passwordInURL(key: "storage.database").description
        #expect(message.contains("storage.database"))
        #expect(message.contains("storage.password_env"))
        for secret in ["hunter2secret", "pa@ss", "rd@db"] { #expect(!message.contains(secret)) }
    }

    @Test(arguments: [
        ("mysql://u@h/d", PostgresLocationError.notAPostgresURL(key: "storage.database")),
        ("postgresql://h/d", .missing(key: "storage.database", part: "user")),
        ("postgresql://u@h", .missing(key: "storage.database", part: "database")),
        ("postgresql://u@h/", .missing(key: "storage.database", part: "database")),
        ("postgresql://u@h:0/d", .malformed(key: "storage.database", part: "port", expected: "a number from 1 to 65535", found: "0")),
        ("postgresql://u@h:54x/d", .malformed(key: "storage.database", part: "port", expected: "a number from 1 to 65535", found: "54x")),
        ("postgresql://u@a,b/d", .malformed(key: "storage.database", part: "host", expected: "a single host", found: "a,b")),
        ("postgresql://u@h/d/e", .malformed(key: "storage.database", part: "database", expected: "one database name after the host", found: "d/e")),
        ("postgresql://u@h/d?sslmod=require", .unknownParameter(key: "storage.database", name: "sslmod")),
        ("postgresql://u@h/d?sslkey=/k.pem", .unknownParameter(key: "storage.database", name: "sslkey")),
        ("postgresql://u@h/d?sslmode=allow", .invalidParameter(key: "storage.database", name: "sslmode", value: "allow",
                                                               expected: "disable, prefer, require, verify-ca, verify-full")),
        ("postgresql://u@h/d?connect_timeout=0", .invalidParameter(key: "storage.database", name: "connect_timeout", value: "0",
                                                                   expected: "whole seconds from 1 to 3600")),
        ("postgresql://u@h/d?connect_timeout=2.5", .invalidParameter(key: "storage.database", name: "connect_timeout",
                                                                     value: "2.5", expected: "whole seconds from 1 to 3600")),
    ])
    func badURLsNameTheKeyAndWhatWasExpected(_ url: String, _ expected: PostgresLocationError) {
        #expect(throws: expected) { try PostgresLocation(url: url) }
        #expect(expected.description.hasPrefix("storage.database: "))
    }

    @Test func theKeyInErrorsIsTheCallers() {
        #expect(throws: PostgresLocationError.missing(key: "ledger copy --to", part: "user")) {
            try PostgresLocation(url: "postgresql://h/d", key: "ledger copy --to")
        }
    }

    @Test func theDescriptionShowsWhereThePasswordComesFromNeverThePassword() throws {
        let location = try PostgresLocation(url: "postgresql://unpaidd@db:5432/ledger?sslmode=require",
                                            passwordEnvironment: "UNPAIDD_DB_PASSWORD")
        #expect(location.description
            == "postgresql://unpaidd@db:5432/ledger?sslmode=require (password: environment variable UNPAIDD_DB_PASSWORD)")
        let password = try location.password.read(environment: ["UNPAIDD_DB_PASSWORD": "s3cret-value\n"])
        #expect(password == "s3cret-value")
        #expect(!location.description.contains("s3cret"))
        #expect(!String(reflecting: location).contains("s3cret"))
    }

    @Test func anUnsetPasswordVariableIsAnErrorNamingIt() throws {
        let location = try PostgresLocation(url: "postgresql://u@h/d", passwordEnvironment: "UNPAIDD_DB_PASSWORD")
        #expect(throws: PostgresLocationError.missingPasswordEnvironment(name: "UNPAIDD_DB_PASSWORD")) {
            try location.password.read(environment: ["UNPAIDD_DB_PASSWORD": " "])
        }
    }

    @Test func theSystemdCredentialIsReadWhenPresentAndOptionalOtherwise() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pg-credentials-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let source = PostgresPasswordSource.systemdCredential
        #expect(try source.read(environment: [:]) == nil)
        #expect(try source.read(environment: ["CREDENTIALS_DIRECTORY": directory.path]) == nil)
        try "from-systemd\n".write(to: directory.appendingPathComponent("postgres-password"), atomically: true, encoding: .utf8)
        #expect(try source.read(environment: ["CREDENTIALS_DIRECTORY": directory.path]) == "from-systemd")
    }
}
