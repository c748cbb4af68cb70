//! The subset of TensorBoard's protobuf messages (`tensorboard/compat/proto/*.proto`) that our
//! event files use, as `prost` derive structs: field numbers as in those files, so no `protoc`.
//! Fields we never write (graphs, histograms, audio) are left out; decoding skips them.

/// One record of an event file.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Event {
    /// Seconds since the Unix epoch.
    #[prost(double, tag = "1")]
    pub wall_time: f64,
    /// Global step the event belongs to.
    #[prost(int64, tag = "2")]
    pub step: i64,
    /// What the event carries.
    #[prost(oneof = "What", tags = "3, 5")]
    pub what: Option<What>,
}

/// The payload of an [`Event`].
#[derive(Clone, PartialEq, prost::Oneof)]
pub enum What {
    /// The file header: `"brain.Event:2"`.
    #[prost(string, tag = "3")]
    FileVersion(String),
    /// Summary values (scalars, images, text).
    #[prost(message, tag = "5")]
    Summary(Summary),
}

/// A list of tagged values.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Summary {
    /// The values.
    #[prost(message, repeated, tag = "1")]
    pub value: Vec<Value>,
}

/// One tagged value.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Value {
    /// Series name, e.g. `charts/episodic_return`.
    #[prost(string, tag = "1")]
    pub tag: String,
    /// Which plugin reads the value (needed for text).
    #[prost(message, optional, tag = "9")]
    pub metadata: Option<SummaryMetadata>,
    /// The value itself.
    #[prost(oneof = "Kind", tags = "2, 4, 8")]
    pub kind: Option<Kind>,
}

/// The payload of a [`Value`].
#[derive(Clone, PartialEq, prost::Oneof)]
pub enum Kind {
    /// A scalar (`simple_value`).
    #[prost(float, tag = "2")]
    SimpleValue(f32),
    /// An encoded image.
    #[prost(message, tag = "4")]
    Image(Image),
    /// A tensor (text summaries use a string tensor).
    #[prost(message, tag = "8")]
    Tensor(TensorProto),
}

/// An encoded image (`Summary.Image`).
#[derive(Clone, PartialEq, prost::Message)]
pub struct Image {
    /// Height in pixels.
    #[prost(int32, tag = "1")]
    pub height: i32,
    /// Width in pixels.
    #[prost(int32, tag = "2")]
    pub width: i32,
    /// 1 gray, 2 gray + alpha, 3 RGB, 4 RGBA.
    #[prost(int32, tag = "3")]
    pub colorspace: i32,
    /// PNG bytes.
    #[prost(bytes = "vec", tag = "4")]
    pub encoded_image_string: Vec<u8>,
}

/// Which plugin owns a value.
#[derive(Clone, PartialEq, prost::Message)]
pub struct SummaryMetadata {
    /// Plugin name and its own data.
    #[prost(message, optional, tag = "1")]
    pub plugin_data: Option<PluginData>,
    /// Shown instead of the tag when set.
    #[prost(string, tag = "2")]
    pub display_name: String,
    /// Long description (Markdown).
    #[prost(string, tag = "3")]
    pub summary_description: String,
}

/// `SummaryMetadata.PluginData`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct PluginData {
    /// E.g. `"text"`.
    #[prost(string, tag = "1")]
    pub plugin_name: String,
    /// The plugin's serialized settings (empty = version 0 for the text plugin).
    #[prost(bytes = "vec", tag = "2")]
    pub content: Vec<u8>,
}

/// `TensorProto`, reduced to what a string or float tensor needs.
#[derive(Clone, PartialEq, prost::Message)]
pub struct TensorProto {
    /// Element type: [`DT_FLOAT`] or [`DT_STRING`].
    #[prost(int32, tag = "1")]
    pub dtype: i32,
    /// Shape; no dims = a scalar.
    #[prost(message, optional, tag = "2")]
    pub tensor_shape: Option<TensorShapeProto>,
    /// Float elements.
    #[prost(float, repeated, tag = "5")]
    pub float_val: Vec<f32>,
    /// String elements.
    #[prost(bytes = "vec", repeated, tag = "8")]
    pub string_val: Vec<Vec<u8>>,
}

/// `DataType.DT_FLOAT`.
pub const DT_FLOAT: i32 = 1;
/// `DataType.DT_STRING`.
pub const DT_STRING: i32 = 7;

/// A tensor shape.
#[derive(Clone, PartialEq, prost::Message)]
pub struct TensorShapeProto {
    /// Dimensions, outermost first.
    #[prost(message, repeated, tag = "2")]
    pub dim: Vec<Dim>,
}

/// One dimension of a [`TensorShapeProto`].
#[derive(Clone, PartialEq, prost::Message)]
pub struct Dim {
    /// Size of the dimension.
    #[prost(int64, tag = "1")]
    pub size: i64,
}
