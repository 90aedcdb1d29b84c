/// Caps that keep a hostile or broken workbook from exhausting memory or time.
public struct XLSXLimits: Sendable, Hashable {
    /// Largest uncompressed size of any one zip entry (the worksheet, usually).
    public var maxUncompressedEntryBytes: UInt64
    /// Largest uncompressed/compressed ratio; checked once an entry passes `ratioCheckFloorBytes`,
    /// because tiny, highly repetitive parts legitimately compress very well.
    public var maxCompressionRatio: UInt64
    public var ratioCheckFloorBytes: UInt64
    /// Largest column number (1-based) a cell may have; Excel's own limit is 16384 (XFD).
    public var maxColumns: Int
    /// Largest XML text of one row; this is what bounds the reader's memory.
    public var maxRowBytes: Int
    /// Largest decoded shared-string table, which is the one part kept whole in memory.
    public var maxSharedStringsBytes: Int
    /// Largest small metadata part (workbook.xml, relationships) read whole.
    public var maxMetadataPartBytes: Int

    public init(maxUncompressedEntryBytes: UInt64 = 4 << 30,
                maxCompressionRatio: UInt64 = 1000,
                ratioCheckFloorBytes: UInt64 = 1 << 20,
                maxColumns: Int = 16384,
                maxRowBytes: Int = 16 << 20,
                maxSharedStringsBytes: Int = 512 << 20,
                maxMetadataPartBytes: Int = 16 << 20) {
        self.maxUncompressedEntryBytes = maxUncompressedEntryBytes
        self.maxCompressionRatio = maxCompressionRatio
        self.ratioCheckFloorBytes = ratioCheckFloorBytes
        self.maxColumns = maxColumns
        self.maxRowBytes = maxRowBytes
        self.maxSharedStringsBytes = maxSharedStringsBytes
        self.maxMetadataPartBytes = maxMetadataPartBytes
    }
}
