//! serde_json's pretty format (two-space indents), for the findings of the
//! large reports: the bytes of `serde_json::to_writer_pretty`, written
//! faster. serde_json escapes every string (keys too) a byte at a time,
//! which was most of writing 240 MB of SARIF; here a string that needs no
//! escape (nearly all of them) is checked in one vectorised pass and copied
//! whole. Numbers and everything rare go the way serde_json writes them.

use serde::ser::{self, Serialize};
use serde_json::Error;

/// Writes a value nested `level` deep in a pretty-printed document.
pub(in crate::diagnostic) struct Pretty<'b> {
    out: &'b mut Vec<u8>,
    level: usize,
}

impl<'b> Pretty<'b> {
    pub(in crate::diagnostic) fn new(out: &'b mut Vec<u8>, level: usize) -> Self {
        Pretty { out, level }
    }

    /// A line break and the indent of the current level, in one copy (a
    /// large report has millions of lines).
    fn newline(&mut self) {
        const LINE: [u8; 129] = {
            let mut line = [b' '; 129];
            line[0] = b'\n';
            line
        };
        let mut n = self.level * 2;
        let first = n.min(LINE.len() - 1);
        self.out.extend_from_slice(&LINE[..1 + first]);
        n -= first;
        while n > 0 {
            let k = n.min(LINE.len() - 1);
            self.out.extend_from_slice(&LINE[1..1 + k]);
            n -= k;
        }
    }

    fn begin(&mut self, open: u8) -> Compound<'_, 'b> {
        self.out.push(open);
        self.level += 1;
        Compound {
            ser: self,
            first: true,
            variant: false,
        }
    }

    /// A variant with data: `{"variant": ...}`, the data opened by `open`.
    fn begin_variant(&mut self, variant: &str, open: u8) -> Compound<'_, 'b> {
        self.out.push(b'{');
        self.level += 1;
        self.newline();
        self.string(variant);
        self.out.extend_from_slice(b": ");
        let mut c = self.begin(open);
        c.variant = true;
        c
    }

    fn string(&mut self, s: &str) {
        self.out.push(b'"');
        self.fragment(s);
        self.out.push(b'"');
    }

    /// `s` escaped as serde_json escapes strings.
    fn fragment(&mut self, s: &str) {
        let bytes = s.as_bytes();
        // No early exit, so the check vectorises.
        if !bytes.iter().fold(false, |any, &b| any | needs_escape(b)) {
            self.out.extend_from_slice(bytes);
            return;
        }
        let mut start = 0;
        for (i, &b) in bytes.iter().enumerate() {
            if !needs_escape(b) {
                continue;
            }
            self.out.extend_from_slice(&bytes[start..i]);
            let short = match b {
                b'"' => b'"',
                b'\\' => b'\\',
                0x08 => b'b',
                0x0c => b'f',
                b'\n' => b'n',
                b'\r' => b'r',
                b'\t' => b't',
                _ => 0,
            };
            if short != 0 {
                self.out.extend_from_slice(&[b'\\', short]);
            } else {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                let (hi, lo) = (HEX[usize::from(b >> 4)], HEX[usize::from(b & 0xf)]);
                self.out
                    .extend_from_slice(&[b'\\', b'u', b'0', b'0', hi, lo]);
            }
            start = i + 1;
        }
        self.out.extend_from_slice(&bytes[start..]);
    }

    fn unsigned(&mut self, mut n: u64) {
        let mut buf = [0u8; 20];
        let mut i = buf.len();
        loop {
            i -= 1;
            buf[i] = b'0' + (n % 10) as u8;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        self.out.extend_from_slice(&buf[i..]);
    }

    /// What serde_json writes for a scalar (floats, 128-bit integers): the
    /// same bytes compact or pretty.
    fn scalar(&mut self, v: impl Serialize) -> Result<(), Error> {
        serde_json::to_writer(&mut *self.out, &v)
    }
}

fn needs_escape(b: u8) -> bool {
    b < 0x20 || b == b'"' || b == b'\\'
}

/// An open object or array.
pub(in crate::diagnostic) struct Compound<'a, 'b> {
    ser: &'a mut Pretty<'b>,
    first: bool,
    /// Inside `{"variant": ...}`, closed with it.
    variant: bool,
}

impl Compound<'_, '_> {
    fn next(&mut self) {
        if !self.first {
            self.ser.out.push(b',');
        }
        self.ser.newline();
        self.first = false;
    }

    fn element<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), Error> {
        self.next();
        value.serialize(&mut *self.ser)
    }

    fn field<T: ?Sized + Serialize>(&mut self, key: &str, value: &T) -> Result<(), Error> {
        self.next();
        self.ser.string(key);
        self.ser.out.extend_from_slice(b": ");
        value.serialize(&mut *self.ser)
    }

    fn close(&mut self, close: u8) {
        self.ser.level -= 1;
        if !self.first {
            self.ser.newline();
        }
        self.ser.out.push(close);
    }

    fn end_with(mut self, close: u8) -> Result<(), Error> {
        self.close(close);
        if self.variant {
            self.first = false;
            self.close(b'}');
        }
        Ok(())
    }
}

impl<'a, 'b> ser::Serializer for &'a mut Pretty<'b> {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = Compound<'a, 'b>;
    type SerializeTuple = Compound<'a, 'b>;
    type SerializeTupleStruct = Compound<'a, 'b>;
    type SerializeTupleVariant = Compound<'a, 'b>;
    type SerializeMap = Compound<'a, 'b>;
    type SerializeStruct = Compound<'a, 'b>;
    type SerializeStructVariant = Compound<'a, 'b>;

    fn serialize_bool(self, v: bool) -> Result<(), Error> {
        let text: &[u8] = if v { b"true" } else { b"false" };
        self.out.extend_from_slice(text);
        Ok(())
    }
    fn serialize_i8(self, v: i8) -> Result<(), Error> {
        self.serialize_i64(v.into())
    }
    fn serialize_i16(self, v: i16) -> Result<(), Error> {
        self.serialize_i64(v.into())
    }
    fn serialize_i32(self, v: i32) -> Result<(), Error> {
        self.serialize_i64(v.into())
    }
    fn serialize_i64(self, v: i64) -> Result<(), Error> {
        if v < 0 {
            self.out.push(b'-');
        }
        self.unsigned(v.unsigned_abs());
        Ok(())
    }
    fn serialize_i128(self, v: i128) -> Result<(), Error> {
        self.scalar(v)
    }
    fn serialize_u8(self, v: u8) -> Result<(), Error> {
        self.serialize_u64(v.into())
    }
    fn serialize_u16(self, v: u16) -> Result<(), Error> {
        self.serialize_u64(v.into())
    }
    fn serialize_u32(self, v: u32) -> Result<(), Error> {
        self.serialize_u64(v.into())
    }
    fn serialize_u64(self, v: u64) -> Result<(), Error> {
        self.unsigned(v);
        Ok(())
    }
    fn serialize_u128(self, v: u128) -> Result<(), Error> {
        self.scalar(v)
    }
    fn serialize_f32(self, v: f32) -> Result<(), Error> {
        self.scalar(v)
    }
    fn serialize_f64(self, v: f64) -> Result<(), Error> {
        self.scalar(v)
    }
    fn serialize_char(self, v: char) -> Result<(), Error> {
        self.string(v.encode_utf8(&mut [0; 4]));
        Ok(())
    }
    fn serialize_str(self, v: &str) -> Result<(), Error> {
        self.string(v);
        Ok(())
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<(), Error> {
        let mut seq = self.begin(b'[');
        for b in v {
            seq.element(b)?;
        }
        seq.end_with(b']')
    }
    fn serialize_none(self) -> Result<(), Error> {
        self.serialize_unit()
    }
    fn serialize_some<T: ?Sized + Serialize>(self, value: &T) -> Result<(), Error> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), Error> {
        self.out.extend_from_slice(b"null");
        Ok(())
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<(), Error> {
        self.serialize_unit()
    }
    fn serialize_unit_variant(self, _: &'static str, _: u32, v: &'static str) -> Result<(), Error> {
        self.serialize_str(v)
    }
    fn serialize_newtype_struct<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        let mut map = self.begin(b'{');
        map.field(variant, value)?;
        map.end_with(b'}')
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Compound<'a, 'b>, Error> {
        Ok(self.begin(b'['))
    }
    fn serialize_tuple(self, _: usize) -> Result<Compound<'a, 'b>, Error> {
        Ok(self.begin(b'['))
    }
    fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Result<Compound<'a, 'b>, Error> {
        Ok(self.begin(b'['))
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<Compound<'a, 'b>, Error> {
        Ok(self.begin_variant(variant, b'['))
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Compound<'a, 'b>, Error> {
        Ok(self.begin(b'{'))
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Compound<'a, 'b>, Error> {
        Ok(self.begin(b'{'))
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<Compound<'a, 'b>, Error> {
        Ok(self.begin_variant(variant, b'{'))
    }

    /// Escaped as it is formatted, without a copy (SARIF's message and help).
    fn collect_str<T: ?Sized + std::fmt::Display>(self, value: &T) -> Result<(), Error> {
        struct Escaping<'p, 'b>(&'p mut Pretty<'b>);
        impl std::fmt::Write for Escaping<'_, '_> {
            fn write_str(&mut self, s: &str) -> std::fmt::Result {
                self.0.fragment(s);
                Ok(())
            }
        }
        use std::fmt::Write;
        self.out.push(b'"');
        write!(Escaping(self), "{value}").map_err(ser::Error::custom)?;
        self.out.push(b'"');
        Ok(())
    }
}

impl ser::SerializeSeq for Compound<'_, '_> {
    type Ok = ();
    type Error = Error;
    fn serialize_element<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), Error> {
        self.element(value)
    }
    fn end(self) -> Result<(), Error> {
        self.end_with(b']')
    }
}

impl ser::SerializeTuple for Compound<'_, '_> {
    type Ok = ();
    type Error = Error;
    fn serialize_element<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), Error> {
        self.element(value)
    }
    fn end(self) -> Result<(), Error> {
        self.end_with(b']')
    }
}

impl ser::SerializeTupleStruct for Compound<'_, '_> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), Error> {
        self.element(value)
    }
    fn end(self) -> Result<(), Error> {
        self.end_with(b']')
    }
}

impl ser::SerializeTupleVariant for Compound<'_, '_> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), Error> {
        self.element(value)
    }
    fn end(self) -> Result<(), Error> {
        self.end_with(b']')
    }
}

impl ser::SerializeMap for Compound<'_, '_> {
    type Ok = ();
    type Error = Error;
    /// Keys as serde_json writes them (strings; numbers and booleans
    /// quoted), through serde_json: maps are rare in our reports.
    fn serialize_key<T: ?Sized + Serialize>(&mut self, key: &T) -> Result<(), Error> {
        self.next();
        let text = serde_json::to_string(&OneKey(key))?;
        // `{"key":null}` → `"key"`
        let quoted = text
            .strip_prefix('{')
            .and_then(|t| t.strip_suffix(":null}"))
            .ok_or_else(|| ser::Error::custom("map key"))?;
        self.ser.out.extend_from_slice(quoted.as_bytes());
        Ok(())
    }
    fn serialize_value<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), Error> {
        self.ser.out.extend_from_slice(b": ");
        value.serialize(&mut *self.ser)
    }
    fn end(self) -> Result<(), Error> {
        self.end_with(b'}')
    }
}

/// `{key: null}`, for the bytes serde_json makes of a map key.
struct OneKey<'k, T: ?Sized>(&'k T);

impl<T: ?Sized + Serialize> Serialize for OneKey<'_, T> {
    fn serialize<S: ser::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use ser::SerializeMap;
        let mut map = s.serialize_map(Some(1))?;
        map.serialize_entry(self.0, &())?;
        map.end()
    }
}

impl ser::SerializeStruct for Compound<'_, '_> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: ?Sized + Serialize>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        self.field(key, value)
    }
    fn end(self) -> Result<(), Error> {
        self.end_with(b'}')
    }
}

impl ser::SerializeStructVariant for Compound<'_, '_> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: ?Sized + Serialize>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        self.field(key, value)
    }
    fn end(self) -> Result<(), Error> {
        self.end_with(b'}')
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::Value;
    use std::collections::BTreeMap;

    fn pretty<T: Serialize>(v: &T) -> String {
        let mut out = Vec::new();
        v.serialize(&mut Pretty::new(&mut out, 0)).unwrap();
        String::from_utf8(out).unwrap()
    }

    /// Strings of everything serde_json escapes or passes through.
    fn text() -> impl Strategy<Value = String> {
        proptest::collection::vec(
            prop::sample::select(vec![
                "a",
                "bc ",
                "\"",
                "\\",
                "/",
                "\n",
                "\r",
                "\t",
                "\u{8}",
                "\u{c}",
                "\0",
                "\u{1}",
                "\u{1f}",
                "\u{7f}",
                "é",
                "\u{2028}",
                "日本",
                "\u{1f600}",
            ]),
            0..12,
        )
        .prop_map(|parts| parts.concat())
    }

    fn value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            any::<u64>().prop_map(Value::from),
            any::<f64>().prop_map(Value::from),
            text().prop_map(Value::from),
        ];
        leaf.prop_recursive(4, 40, 5, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..5).prop_map(Value::from),
                proptest::collection::vec((text(), inner), 0..5)
                    .prop_map(|kv| Value::Object(kv.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #[test]
        fn values_are_written_as_serde_json_writes_them(v in value()) {
            prop_assert_eq!(pretty(&v), serde_json::to_string_pretty(&v).unwrap());
        }
    }

    /// Indents deeper than one copy of spaces.
    #[test]
    fn deep_values_are_indented_as_serde_json_does() {
        let mut v = serde_json::json!({"leaf": [1, "x"]});
        for depth in 0..80 {
            v = if depth % 2 == 0 {
                serde_json::json!([v, depth])
            } else {
                serde_json::json!({"k": v})
            };
        }
        assert_eq!(pretty(&v), serde_json::to_string_pretty(&v).unwrap());
    }

    #[derive(serde::Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Typed<'a> {
        rule_id: &'a str,
        level: Level,
        empty: Empty,
        none: Option<u32>,
        #[serde(skip_serializing_if = "Option::is_none")]
        skipped: Option<u32>,
        #[serde(skip_serializing_if = "Vec::is_empty")]
        list: Vec<Typed<'a>>,
        array: [Level; 1],
        tuple: (char, i8, u128, i128, f32),
        #[serde(with = "bytes")]
        bytes: Vec<u8>,
        unit: (),
        wrapped: Wrapped,
        #[serde(serialize_with = "shown")]
        shown: String,
        int_keys: BTreeMap<i32, Level>,
        variants: Vec<Variant>,
    }

    #[derive(serde::Serialize)]
    struct Empty {}

    #[derive(serde::Serialize)]
    struct Wrapped(u16);

    #[derive(serde::Serialize)]
    #[serde(rename_all = "lowercase")]
    enum Level {
        Error,
        Note,
    }

    #[derive(serde::Serialize)]
    enum Variant {
        Newtype(Empty),
        Tuple(u8, Vec<u8>),
        NoFields(),
        Struct { a: u8, b: Option<()> },
        NoStruct {},
    }

    mod bytes {
        pub fn serialize<S: serde::Serializer>(b: &[u8], s: S) -> Result<S::Ok, S::Error> {
            s.serialize_bytes(b)
        }
    }

    fn shown<S: serde::Serializer>(text: &str, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&format_args!("{text}\nhelp: \"{}\"", text.len()))
    }

    #[test]
    fn typed_values_are_written_as_serde_json_writes_them() {
        let typed = |list, shown: &str| Typed {
            rule_id: "TOPO\"1\"",
            level: Level::Error,
            empty: Empty {},
            none: None,
            skipped: None,
            list,
            array: [Level::Note],
            tuple: ('\u{1}', -128, u128::MAX, i128::MIN, 1.5),
            bytes: vec![0, 255],
            unit: (),
            wrapped: Wrapped(7),
            shown: shown.into(),
            int_keys: [(-1, Level::Note), (3, Level::Error)].into(),
            variants: vec![
                Variant::Newtype(Empty {}),
                Variant::Tuple(1, vec![]),
                Variant::NoFields(),
                Variant::Struct { a: 2, b: Some(()) },
                Variant::NoStruct {},
            ],
        };
        let v = typed(vec![typed(vec![], "\t"), typed(vec![], "")], "é\r\\");
        assert_eq!(pretty(&v), serde_json::to_string_pretty(&v).unwrap());
    }
}
