import PostgresNIO

/// The location in the driver's terms: endpoint, credentials, and sslmode as NIOSSL settings.
extension PostgresLocation {
    /// Texts go over the wire as UTF-8 whatever the database's encoding (the server converts
    /// or refuses), and `pg_stat_activity` names the program.
    static let startupParameters = [("client_encoding", "UTF8"), ("application_name", "unpaidd")]

    /// The configuration of a pool of connections.
    func clientConfiguration(password: String?) throws(PostgresLocationError) -> PostgresClient.Configuration {
        var configuration: PostgresClient.Configuration
        switch endpoint {
        case .tcp(let host, let port):
            let tls: PostgresClient.Configuration.TLS = switch try tlsSettings() {
            case .none: .disable
            case .some(let settings) where tlsMode == .prefer: .prefer(settings)
            case .some(let settings): .require(settings)
            }
            configuration = .init(host: host, port: port, username: user, password: password, database: database, tls: tls)
        case .unixSocket(let directory, let port):
            configuration = .init(unixSocketPath: Self.socketPath(directory: directory, port: port),
                                  username: user, password: password, database: database)
        }
        configuration.options.connectTimeout = connectTimeout
        configuration.options.additionalStartupParameters = Self.startupParameters
        return configuration
    }

    /// The configuration of a single connection, the one that checks credentials and migrates.
    func connectionConfiguration(password: String?) throws -> PostgresConnection.Configuration {
        var configuration: PostgresConnection.Configuration
        switch endpoint {
        case .tcp(let host, let port):
            let tls: PostgresConnection.Configuration.TLS = switch try tlsSettings() {
            case .none: .disable
            case .some(let settings) where tlsMode == .prefer: .prefer(try NIOSSLContext(configuration: settings))
            case .some(let settings): .require(try NIOSSLContext(configuration: settings))
            }
            configuration = .init(host: host, port: port, username: user, password: password, database: database, tls: tls)
        case .unixSocket(let directory, let port):
            configuration = .init(unixSocketPath: Self.socketPath(directory: directory, port: port),
                                  username: user, password: password, database: database)
        }
        configuration.options.connectTimeout = .seconds(Int64(connectTimeout.components.seconds))
        configuration.options.additionalStartupParameters = Self.startupParameters
        return configuration
    }

    /// The socket file the server creates in its `unix_socket_directories`.
    static func socketPath(directory: String, port: Int) -> String {
        (directory.hasSuffix("/") ? directory : directory + "/") + ".s.PGSQL.\(port)"
    }

    /// NIOSSL settings for the sslmode, `nil` for `disable`. Like libpq, `prefer` and `require`
    /// encrypt without checking the certificate, unless `require` is given an `sslrootcert`.
    func tlsSettings() throws(PostgresLocationError) -> TLSConfiguration? {
        var settings = TLSConfiguration.makeClientConfiguration()
        switch tlsMode {
        case .disable:
            return nil
        case .prefer:
            settings.certificateVerification = .none
            return settings
        case .require:
            guard rootCertificatePath != nil else {
                settings.certificateVerification = .none
                return settings
            }
            settings.certificateVerification = .noHostnameVerification
        case .verifyCA:
            settings.certificateVerification = .noHostnameVerification
        case .verifyFull:
            settings.certificateVerification = .fullVerification
        }
        if let rootCertificatePath { settings.trustRoots = .certificates(try rootCertificates(at: rootCertificatePath)) }
        return settings
    }

    /// Loaded now rather than at the first handshake, so a wrong path is reported when opening.
    private func rootCertificates(at path: String) throws(PostgresLocationError) -> [NIOSSLCertificate] {
        let certificates: [NIOSSLCertificate]
        do {
            certificates = try NIOSSLCertificate.fromPEMFile(path)
        } catch {
            throw .unreadableRootCertificate(key: Self.defaultKey, path: path, reason: "\(error)")
        }
        guard !certificates.isEmpty else {
            throw .unreadableRootCertificate(key: Self.defaultKey, path: path, reason: "no PEM certificate in it")
        }
        return certificates
    }
}
