//! The few protobuf messages of Anki's modern layout sophie reads, with only the fields it
//! needs (prost skips the others). Tags as in Anki's `proto/anki/*.proto`.

/// The modern media map (`media`, zstd-compressed): entry `i` is the zip entry named `i`
/// unless it says otherwise.
#[derive(Clone, PartialEq, prost::Message)]
pub(super) struct MediaEntries {
    #[prost(message, repeated, tag = "1")]
    pub(super) entries: Vec<MediaEntry>,
}

/// One media file of the map.
#[derive(Clone, PartialEq, prost::Message)]
pub(super) struct MediaEntry {
    /// The file's name as the notes refer to it.
    #[prost(string, tag = "1")]
    pub(super) name: String,
    /// Its size.
    #[prost(uint32, tag = "2")]
    pub(super) size: u32,
    /// The zip entry holding it, when not the entry's position.
    #[prost(uint32, optional, tag = "255")]
    pub(super) legacy_zip_filename: Option<u32>,
}

/// A note type's configuration (`notetypes.config`).
#[derive(Clone, PartialEq, prost::Message)]
pub(super) struct NotetypeConfig {
    /// 0 normal, 1 cloze.
    #[prost(int32, tag = "1")]
    pub(super) kind: i32,
}

/// A card template's configuration (`templates.config`).
#[derive(Clone, PartialEq, prost::Message)]
pub(super) struct TemplateConfig {
    /// The front's template.
    #[prost(string, tag = "1")]
    pub(super) q_format: String,
    /// The back's template.
    #[prost(string, tag = "2")]
    pub(super) a_format: String,
}
