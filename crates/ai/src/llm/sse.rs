//! The `data` of server-sent events, read from bytes as they arrive.
//!
//! A streamed chat completion is a `text/event-stream` whose events carry one JSON chunk each
//! in `data`, ended by `data: [DONE]`. Only `data` matters here: `event`, `id`, `retry` and
//! comment lines are skipped. (The `eventsource-stream` crate would do this over a stream of
//! bytes, but brings `nom` 7 beside the `nom` 8 already built.)

/// Splits bytes into events and yields each event's `data`.
#[derive(Debug, Default)]
pub(crate) struct EventData {
    /// Bytes of a line not yet ended.
    pending: Vec<u8>,
    /// The `data` lines of the event being read.
    data: Option<String>,
}

impl EventData {
    /// Reads `bytes`, returning the data of each event they end.
    pub(crate) fn push(&mut self, bytes: &[u8]) -> Vec<String> {
        self.pending.extend_from_slice(bytes);
        let mut events = Vec::new();
        while let Some(end) = self.pending.iter().position(|b| *b == b'\n') {
            let line: Vec<u8> = self.pending.drain(..=end).collect();
            let line = String::from_utf8_lossy(&line[..end]);
            let line = line.strip_suffix('\r').unwrap_or(&line);
            if let Some(event) = self.line(line) {
                events.push(event);
            }
        }
        events
    }

    /// The data of an event the stream ended without a blank line after.
    pub(crate) fn finish(&mut self) -> Option<String> {
        let rest = std::mem::take(&mut self.pending);
        if !rest.is_empty() {
            let rest = String::from_utf8_lossy(&rest).into_owned();
            if let Some(event) = self.line(rest.trim_end_matches('\r')) {
                return Some(event);
            }
        }
        self.data.take()
    }

    fn line(&mut self, line: &str) -> Option<String> {
        if line.is_empty() {
            return self.data.take();
        }
        let (field, value) = line.split_once(':').unwrap_or((line, ""));
        if field == "data" {
            let value = value.strip_prefix(' ').unwrap_or(value);
            match &mut self.data {
                Some(data) => {
                    data.push('\n');
                    data.push_str(value);
                }
                None => self.data = Some(value.to_owned()),
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_are_read_across_chunk_boundaries() {
        let stream = b": keep-alive\r\n\r\nevent: chunk\r\ndata: {\"a\":1}\r\n\r\ndata: one\ndata: two\n\ndata: [DONE]\n\n";
        for cut in 1..stream.len() {
            let mut reader = EventData::default();
            let mut events = reader.push(&stream[..cut]);
            events.extend(reader.push(&stream[cut..]));
            assert_eq!(reader.finish(), None);
            assert_eq!(events, ["{\"a\":1}", "one\ntwo", "[DONE]"], "cut at {cut}");
        }
    }

    #[test]
    fn an_event_left_open_at_the_end_is_kept() {
        let mut reader = EventData::default();
        assert!(reader.push(b"data: last").is_empty());
        assert_eq!(reader.finish().as_deref(), Some("last"));
    }
}
