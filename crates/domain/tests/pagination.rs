//! Keyset pagination: cursors survive the trip to the client and back, bad cursors are
//! refused, and walking every page visits every item exactly once.

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use chrono::{DateTime, TimeZone, Utc};
use sophie_domain::{Cursor, DomainError, Page, PageRequest, SortOrder};
use uuid::Uuid;

fn micros(value: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_micros(value).unwrap_or_default()
}

fn cursor_field(error: &DomainError) -> Option<&str> {
    match error {
        DomainError::Validation { field, .. } => Some(field.as_str()),
        _ => None,
    }
}

// ---------------------------------------------------------------- Cursor

#[test]
fn cursor_round_trips_through_its_string() {
    let cases = [
        Cursor::new(micros(1_700_000_000_123_456), Uuid::now_v7()),
        Cursor::new(micros(0), Uuid::nil()),
        Cursor::new(micros(-1), Uuid::max()),
        // Before 1970, with a fraction of a second.
        Cursor::new(micros(-2_208_988_800_000_001), Uuid::new_v4()),
        Cursor::new(
            Utc.with_ymd_and_hms(9999, 12, 31, 23, 59, 59).unwrap(),
            Uuid::from_u128(0x0123_4567_89ab_cdef_0123_4567_89ab_cdef),
        ),
    ];
    for cursor in cases {
        let text = cursor.encode();
        assert_eq!(Cursor::decode(&text).unwrap(), cursor, "via {text}");
        assert_eq!(cursor.to_string(), text);
    }
}

#[test]
fn cursor_keeps_microseconds_and_drops_what_postgresql_cannot_store() {
    let at = micros(1_700_000_000_123_456);
    assert_eq!(
        Cursor::decode(&Cursor::new(at, Uuid::nil()).encode())
            .unwrap()
            .at,
        at
    );
    // Nanoseconds are below PostgreSQL's precision: they do not survive.
    let with_nanos = at + chrono::Duration::nanoseconds(789);
    let decoded = Cursor::decode(&Cursor::new(with_nanos, Uuid::nil()).encode()).unwrap();
    assert_eq!(decoded.at, at);
}

#[test]
fn cursor_string_is_url_safe() {
    for _ in 0..50 {
        let text = Cursor::new(Utc::now(), Uuid::new_v4()).encode();
        assert_eq!(text.len(), 43);
        assert!(
            text.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'),
            "{text}"
        );
    }
}

#[test]
fn decode_refuses_strings_it_did_not_make() {
    let good = Cursor::new(micros(1_700_000_000_000_000), Uuid::new_v4()).encode();
    let standard_alphabet = STANDARD.encode([0xfb_u8; 24]);
    let bad = [
        String::new(),
        "garbage".to_owned(),
        "not a cursor!".to_owned(),
        "%%%%".to_owned(),
        standard_alphabet,
        URL_SAFE_NO_PAD.encode([0_u8; 23]),
        URL_SAFE_NO_PAD.encode([0_u8; 25]),
        URL_SAFE_NO_PAD.encode([0_u8; 48]),
        format!("{good}="),
        format!("{good}A"),
        good[..31].to_owned(),
        format!(" {good}"),
    ];
    for text in bad {
        let error = Cursor::decode(&text).unwrap_err();
        assert_eq!(cursor_field(&error), Some("cursor"), "for {text:?}");
    }
}

#[test]
fn decode_refuses_a_timestamp_out_of_range() {
    let mut bytes = [0_u8; 24];
    bytes[..8].copy_from_slice(&i64::MAX.to_be_bytes());
    let error = Cursor::decode(&URL_SAFE_NO_PAD.encode(bytes)).unwrap_err();
    assert_eq!(cursor_field(&error), Some("cursor"));
}

#[test]
fn cursor_travels_in_json_as_its_string() {
    let cursor = Cursor::new(micros(1_234_567_890_123_456), Uuid::new_v4());
    let json = serde_json::to_string(&cursor).unwrap();
    assert_eq!(json, format!("\"{}\"", cursor.encode()));
    assert_eq!(serde_json::from_str::<Cursor>(&json).unwrap(), cursor);

    assert!(serde_json::from_str::<Cursor>("\"garbage\"").is_err());
    assert!(serde_json::from_str::<Cursor>("42").is_err());
    assert!(serde_json::from_str::<Cursor>("null").is_err());
}

#[test]
fn page_travels_in_json_with_items_and_next_cursor() {
    let cursor = Cursor::new(micros(1_000_000), Uuid::nil());
    let page = Page {
        items: vec![1, 2],
        next_cursor: Some(cursor),
    };
    let json = serde_json::to_value(&page).unwrap();
    assert_eq!(
        json,
        serde_json::json!({ "items": [1, 2], "nextCursor": cursor.encode() })
    );
    assert_eq!(serde_json::from_value::<Page<i32>>(json).unwrap(), page);

    let last = serde_json::to_value(Page::<i32>::empty()).unwrap();
    assert_eq!(last, serde_json::json!({ "items": [], "nextCursor": null }));
}

// ---------------------------------------------------------------- PageRequest

#[test]
fn page_request_defaults_to_20_and_accepts_1_to_100() {
    let default = PageRequest::new(None, None).unwrap();
    assert_eq!(default.limit(), 20);
    assert_eq!(default.cursor, None);
    assert_eq!(PageRequest::default(), default);
    assert_eq!(PageRequest::first(), default);

    assert_eq!(PageRequest::new(Some(1), None).unwrap().limit(), 1);
    assert_eq!(PageRequest::new(Some(100), None).unwrap().limit(), 100);
    for bad in [0, 101, u32::MAX] {
        let error = PageRequest::new(Some(bad), None).unwrap_err();
        assert_eq!(cursor_field(&error), Some("limit"), "for {bad}");
    }
}

#[test]
fn page_request_keeps_its_cursor_and_fetches_one_more_row() {
    let cursor = Cursor::new(micros(5), Uuid::nil());
    let request = PageRequest::new(Some(10), Some(cursor)).unwrap();
    assert_eq!(request.cursor, Some(cursor));
    assert_eq!(request.fetch_limit(), 11);
    assert_eq!(
        PageRequest::new(Some(100), None).unwrap().fetch_limit(),
        101
    );

    let next = PageRequest::first_of(7).after(cursor);
    assert_eq!((next.limit(), next.cursor), (7, Some(cursor)));
}

#[test]
fn first_of_clamps_the_limit() {
    assert_eq!(PageRequest::first_of(0).limit(), 1);
    assert_eq!(PageRequest::first_of(50).limit(), 50);
    assert_eq!(PageRequest::first_of(1_000).limit(), 100);
}

// ---------------------------------------------------------------- Page::from_overfetch

#[derive(Clone, Debug, PartialEq)]
struct Item {
    at: DateTime<Utc>,
    id: Uuid,
}

fn key(item: &Item) -> (DateTime<Utc>, Uuid) {
    (item.at, item.id)
}

fn items(count: usize) -> Vec<Item> {
    (0..count)
        .map(|i| Item {
            at: micros(1_000_000 * i64::try_from(i).unwrap_or_default()),
            id: Uuid::new_v4(),
        })
        .collect()
}

#[test]
fn exactly_limit_rows_make_a_last_page() {
    let rows = items(5);
    let page = Page::from_overfetch(rows.clone(), PageRequest::first_of(5), key);
    assert_eq!(page.items, rows);
    assert_eq!(page.next_cursor, None);
}

#[test]
fn one_row_more_than_the_limit_gives_the_cursor_of_the_last_kept_item() {
    let rows = items(6);
    let page = Page::from_overfetch(rows.clone(), PageRequest::first_of(5), key);
    assert_eq!(page.items, rows[..5]);
    assert_eq!(page.next_cursor, Some(Cursor::new(rows[4].at, rows[4].id)));
}

#[test]
fn fewer_rows_than_the_limit_make_a_last_page() {
    let rows = items(2);
    let page = Page::from_overfetch(rows.clone(), PageRequest::first_of(5), key);
    assert_eq!((page.items, page.next_cursor), (rows, None));

    let empty = Page::from_overfetch(Vec::new(), PageRequest::first(), key);
    assert_eq!(empty, Page::empty());
}

#[test]
fn page_map_keeps_the_cursor() {
    let rows = items(3);
    let page = Page::from_overfetch(rows.clone(), PageRequest::first_of(2), key);
    let cursor = page.next_cursor;
    let mapped = page.map(|item| item.id);
    assert_eq!(mapped.items, vec![rows[0].id, rows[1].id]);
    assert_eq!(mapped.next_cursor, cursor);
}

// ---------------------------------------------------------------- SortOrder

#[test]
fn newest_first_goes_to_earlier_times_then_smaller_ids() {
    let t = micros(1_000_000);
    let (low, high) = (Uuid::from_u128(1), Uuid::from_u128(2));
    let cursor = Cursor::new(t, high);
    let order = SortOrder::NewestFirst;
    assert!(order.is_after((micros(999_999), Uuid::max()), &cursor));
    assert!(order.is_after((t, low), &cursor));
    assert!(!order.is_after((t, high), &cursor), "the cursor's own item");
    assert!(!order.is_after((t, Uuid::from_u128(3)), &cursor));
    assert!(!order.is_after((micros(1_000_001), Uuid::nil()), &cursor));
    assert_eq!(SortOrder::default(), SortOrder::NewestFirst);
}

#[test]
fn oldest_first_goes_to_later_times_then_larger_ids() {
    let t = micros(-1_000_000);
    let (low, high) = (Uuid::from_u128(1), Uuid::from_u128(2));
    let cursor = Cursor::new(t, low);
    let order = SortOrder::OldestFirst;
    assert!(order.is_after((micros(-999_999), Uuid::nil()), &cursor));
    assert!(order.is_after((t, high), &cursor));
    assert!(!order.is_after((t, low), &cursor), "the cursor's own item");
    assert!(!order.is_after((t, Uuid::nil()), &cursor));
    assert!(!order.is_after((micros(-1_000_001), Uuid::max()), &cursor));
}

// ---------------------------------------------------------------- a full walk

/// 57 items over only 6 distinct timestamps (some before 1970), with scattered ids.
fn crowded_items() -> Vec<Item> {
    (0_u32..57)
        .map(|i| Item {
            at: micros((i64::from(i % 6) - 2) * 1_000_001),
            id: Uuid::from_u128(
                u128::from(i).wrapping_mul(0x9e37_79b9_7f4a_7c15_f39c_c060_5ced_c835),
            ),
        })
        .collect()
}

fn sorted(mut items: Vec<Item>, order: SortOrder) -> Vec<Item> {
    items.sort_by_key(key);
    if order == SortOrder::NewestFirst {
        items.reverse();
    }
    items
}

/// Reads every page as a client would, passing each page's cursor back as a string, the way
/// an adapter answers: the rows after the cursor, in order, one more than the page.
fn walk(items: &[Item], order: SortOrder, limit: u32) -> (Vec<Item>, usize) {
    let table = sorted(items.to_vec(), order);
    let mut seen = Vec::new();
    let mut pages = 0;
    let mut request = PageRequest::new(Some(limit), None).unwrap_or_default();
    loop {
        let fetch = usize::try_from(request.fetch_limit()).unwrap_or(usize::MAX);
        let rows: Vec<Item> = table
            .iter()
            .filter(|item| request.cursor.is_none_or(|c| order.is_after(key(item), &c)))
            .take(fetch)
            .cloned()
            .collect();
        let page = Page::from_overfetch(rows, request, key);
        pages += 1;
        seen.extend(page.items);
        let Some(cursor) = page.next_cursor else {
            break;
        };
        let Ok(cursor) = Cursor::decode(&cursor.encode()) else {
            break;
        };
        request = request.after(cursor);
        if pages > items.len() + 1 {
            break;
        }
    }
    (seen, pages)
}

#[test]
fn walking_every_page_visits_every_item_once_in_order() {
    let items = crowded_items();
    assert_eq!(items.len(), 57);
    for order in [SortOrder::NewestFirst, SortOrder::OldestFirst] {
        let expected = sorted(items.clone(), order);
        for limit in [1_u32, 5, 10, 19, 20, 56, 57, 100] {
            let (seen, pages) = walk(&items, order, limit);
            assert_eq!(seen, expected, "{order:?}, limit {limit}");
            let limit = usize::try_from(limit).unwrap();
            assert_eq!(pages, 57_usize.div_ceil(limit), "{order:?}, limit {limit}");
        }
    }
}

#[test]
fn walking_is_stable_when_newer_items_arrive_between_pages() {
    // Newest first, a new item arrives after the first page: the walk neither repeats nor
    // skips the items it started with.
    let items = crowded_items();
    let order = SortOrder::NewestFirst;
    let mut table = sorted(items.clone(), order);
    let request = PageRequest::first_of(10);
    let first = Page::from_overfetch(table.iter().take(11).cloned().collect(), request, key);
    table.insert(
        0,
        Item {
            at: micros(i64::from(i32::MAX)),
            id: Uuid::new_v4(),
        },
    );
    let cursor = first.next_cursor.unwrap();
    let rest: Vec<Item> = table
        .iter()
        .filter(|item| order.is_after(key(item), &cursor))
        .cloned()
        .collect();
    let mut seen = first.items;
    seen.extend(rest);
    assert_eq!(seen, sorted(items, order));
}

#[test]
fn a_cursor_is_bound_to_the_list_that_issued_it() {
    let rows: Vec<(DateTime<Utc>, Uuid)> = (0..3).map(|_| (Utc::now(), Uuid::now_v7())).collect();
    let request = PageRequest::new(Some(2), None)
        .unwrap()
        .within("/api/v1/notes")
        .unwrap();
    let page = Page::from_overfetch(rows, request, |row| *row);
    let cursor = page.next_cursor.unwrap();
    let again = PageRequest::new(Some(2), Some(cursor)).unwrap();
    assert!(again.within("/api/v1/notes").is_ok());
    let error = again.within("/api/v1/courses").unwrap_err();
    assert!(error.to_string().contains("another list"), "{error}");
}
