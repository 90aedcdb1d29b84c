import Testing
import UnpaidCore

/// Vectors from ../shared/reference/billing-api.md.
@Suite struct APISignatureTests {
    let publicKey = "ucloudsomeone@example.com1296235120854146120"
    let privateKey = "46f09bb9fab4f12dfc160dae12273d5332b5debe"

    @Test func createUHostInstance() {
        let parameters: [(name: String, value: String)] = [
            ("Action", "CreateUHostInstance"), ("CPU", "2"), ("ChargeType", "Month"), ("DiskSpace", "10"),
            ("ImageId", "f43736e1-65a5-4bea-ad2e-8a46e18883c2"), ("LoginMode", "Password"),
            ("Memory", "2048"), ("Name", "Host01"), ("Password", "VUNsb3VkLmNu"), ("Quantity", "1"),
            ("Region", "cn-bj2"), ("Zone", "cn-bj2-04"), ("PublicKey", publicKey),
        ]
        #expect(APISignature.sign(parameters, privateKey: privateKey) == "4f9ef5df2abab2c6fccd1e9515cb7e2df8c6bb65")
    }

    @Test func listParametersSortInByteOrder() {
        let values = ["foo", "bar", "42"]
        var parameters: [(name: String, value: String)] = [("Action", "AllocateBackendBatch"), ("PublicKey", publicKey)]
        for index in 0..<12 { parameters.append(("Backends.\(index)", values[index % 3])) }
        #expect(APISignature.sign(parameters.reversed(), privateKey: privateKey) == "6bc32642779f8cb0bb3d3f128b1c0688abf9a1a3")
    }

    @Test func downloadListUnpaidOrders() {
        let parameters: [(name: String, value: String)] = [
            ("Action", "DownloadListUnpaidOrders"), ("StartTime", "1761926400"), ("EndTime", "1764518400"),
            ("OrganizationIds.0", "100001"), ("ProductCodes.0", "modelverse"), ("ProductCodes.1", "sandbox"),
            ("Region", "cn-zj"), ("Zone", "cn-zj-01"), ("ProjectId", "org-abc"), ("PublicKey", publicKey),
        ]
        #expect(APISignature.sign(parameters, privateKey: privateKey) == "b607b37f1db43947fdc04d627f47b8673d6a23e2")
    }

    @Test func signatureParameterIsNeverSigned() {
        let plain = APISignature.sign([("foo", "bar")], privateKey: "my_private_key")
        #expect(plain == "634edc1bb957c0d65e5ab5494cf3b7784fbc87af")
        #expect(APISignature.sign([("foo", "bar"), ("Signature", "x")], privateKey: "my_private_key") == plain)
    }

    @Test func constantTimeMatch() {
        #expect(APISignature.matches("abc", "abc"))
        #expect(!APISignature.matches("abc", "abd"))
        #expect(!APISignature.matches("abc", "ab"))
    }
}
