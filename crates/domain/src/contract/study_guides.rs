//! [`crate::StudyGuideRepository`]: study guides made from notes and documents.

use super::Fixture;
use super::expect;
use super::seed::{World, all, links, md, new_guide, title, wait_past};
use crate::entities::{SourceLinks, SourceLinksUpdate, StudyGuideFilter, StudyGuideUpdate};
use crate::id::StudyGuideId;

pub async fn study_guides_create_and_get(fixture: &impl Fixture) {
    let w = World::of(fixture);
    let ada = w.user("ada").await;
    let course = w.course(ada, "Bio").await.id;
    let note = w.note(ada, "Cells", "").await.id;
    let document = w.document(ada, "Book").await.id;
    let guide = w
        .guide(
            ada,
            "Cells guide",
            links(Some(course), Some(note), Some(document)),
        )
        .await;
    assert_eq!(guide.user_id, ada);
    assert_eq!(guide.title, "Cells guide");
    assert_eq!(guide.content, "# Guide");
    assert_eq!(
        guide.links(),
        links(Some(course), Some(note), Some(document)),
        "the guide's links were not kept"
    );
    assert_eq!(
        w.r.study_guides.get(ada, guide.id).await.unwrap(),
        guide,
        "the guide read back differs"
    );
}

pub async fn study_guides_update_changes_only_the_fields_given(fixture: &impl Fixture) {
    let w = World::of(fixture);
    let ada = w.user("ada").await;
    let course = w.course(ada, "Bio").await.id;
    let note = w.note(ada, "Cells", "").await.id;
    let document = w.document(ada, "Book").await.id;
    let guide = w
        .guide(ada, "G", links(Some(course), Some(note), None))
        .await;
    wait_past(guide.updated_at);
    let changed =
        w.r.study_guides
            .update(
                ada,
                guide.id,
                StudyGuideUpdate {
                    content: Some(md("## Revised")),
                    links: SourceLinksUpdate {
                        note_id: Some(None),
                        document_id: Some(Some(document)),
                        ..SourceLinksUpdate::default()
                    },
                    ..StudyGuideUpdate::default()
                },
            )
            .await
            .unwrap();
    assert_eq!(changed.content, "## Revised");
    assert_eq!(changed.title, "G", "editing the body renamed the guide");
    assert_eq!(
        changed.links(),
        links(Some(course), None, Some(document)),
        "links not named in the change moved, or named ones did not"
    );
    assert!(
        changed.updated_at > guide.updated_at,
        "the change did not move updated_at"
    );
    let renamed =
        w.r.study_guides
            .update(
                ada,
                guide.id,
                StudyGuideUpdate {
                    title: Some(title("Final")),
                    ..StudyGuideUpdate::default()
                },
            )
            .await
            .unwrap();
    assert_eq!(renamed.title, "Final");
    assert_eq!(renamed.content, "## Revised", "renaming changed the body");
    assert_eq!(
        w.r.study_guides.get(ada, guide.id).await.unwrap(),
        renamed,
        "the change was not stored"
    );
}

pub async fn study_guides_list_newest_first_with_filters(fixture: &impl Fixture) {
    let w = World::of(fixture);
    let ada = w.user("ada").await;
    let bob = w.user("bob").await;
    let course = w.course(ada, "Bio").await.id;
    let note = w.note(ada, "Source", "").await.id;
    let document = w.document(ada, "Doc").await.id;
    for (name, guide_links) in [
        ("a", links(Some(course), Some(note), None)),
        ("b", links(None, None, Some(document))),
        ("c", links(Some(course), None, Some(document))),
        ("d", SourceLinks::default()),
    ] {
        w.guide(ada, name, guide_links).await;
    }
    w.guide(bob, "bob", SourceLinks::default()).await;
    let titles = |filter: StudyGuideFilter| {
        let guides = w.r.study_guides.clone();
        async move {
            guides
                .list(ada, filter, all())
                .await
                .unwrap()
                .items
                .into_iter()
                .map(|g| g.title)
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(
        titles(StudyGuideFilter::default()).await,
        ["d", "c", "b", "a"],
        "guides are not listed newest first, or not only the user's"
    );
    assert_eq!(
        titles(StudyGuideFilter {
            course_id: Some(course),
            ..StudyGuideFilter::default()
        })
        .await,
        ["c", "a"],
        "the course filter is wrong"
    );
    assert_eq!(
        titles(StudyGuideFilter {
            note_id: Some(note),
            ..StudyGuideFilter::default()
        })
        .await,
        ["a"],
        "the note filter is wrong"
    );
    assert_eq!(
        titles(StudyGuideFilter {
            document_id: Some(document),
            ..StudyGuideFilter::default()
        })
        .await,
        ["c", "b"],
        "the document filter is wrong"
    );
    assert!(
        titles(StudyGuideFilter {
            note_id: Some(note),
            document_id: Some(document),
            ..StudyGuideFilter::default()
        })
        .await
        .is_empty(),
        "filters do not combine with AND"
    );
    let (sizes, items) = expect::every_page(3, |p| {
        w.r.study_guides.list(ada, StudyGuideFilter::default(), p)
    })
    .await;
    assert_eq!(sizes, [3, 1], "4 guides do not page as 3 + 1");
    assert_eq!(
        items.iter().map(|g| g.title.as_str()).collect::<Vec<_>>(),
        ["d", "c", "b", "a"]
    );
}

pub async fn study_guides_of_another_user_are_not_found(fixture: &impl Fixture) {
    let w = World::of(fixture);
    let ada = w.user("ada").await;
    let bob = w.user("bob").await;
    let adas_course = w.course(ada, "Ada's").await.id;
    let adas_note = w.note(ada, "Ada's", "").await.id;
    let adas_document = w.document(ada, "Ada's").await.id;
    let guide = w.guide(ada, "Ada's", SourceLinks::default()).await;
    let bobs = w.guide(bob, "Bob's", SourceLinks::default()).await;
    let missing = StudyGuideId::new();

    expect::hidden(
        w.r.study_guides.get(bob, guide.id).await,
        w.r.study_guides.get(bob, missing).await,
        "study guide",
        "Bob opened Ada's guide",
    );
    let rename = StudyGuideUpdate {
        title: Some(title("Stolen")),
        ..StudyGuideUpdate::default()
    };
    expect::hidden(
        w.r.study_guides.update(bob, guide.id, rename.clone()).await,
        w.r.study_guides.update(bob, missing, rename).await,
        "study guide",
        "Bob renamed Ada's guide",
    );
    expect::hidden(
        w.r.study_guides.delete(bob, guide.id).await,
        w.r.study_guides.delete(bob, missing).await,
        "study guide",
        "Bob deleted Ada's guide",
    );
    for (bad, entity) in [
        (links(Some(adas_course), None, None), "course"),
        (links(None, Some(adas_note), None), "note"),
        (links(None, None, Some(adas_document)), "document"),
    ] {
        expect::not_found(
            w.r.study_guides.create(bob, new_guide("Stolen", bad)).await,
            entity,
            "Bob made a guide from Ada's material",
        );
    }
    expect::not_found(
        w.r.study_guides
            .update(
                bob,
                bobs.id,
                StudyGuideUpdate {
                    title: Some(title("Changed")),
                    links: SourceLinksUpdate {
                        document_id: Some(Some(adas_document)),
                        ..SourceLinksUpdate::default()
                    },
                    ..StudyGuideUpdate::default()
                },
            )
            .await,
        "document",
        "Bob linked his guide to Ada's document",
    );
    assert_eq!(
        w.r.study_guides
            .list(bob, StudyGuideFilter::default(), all())
            .await
            .unwrap()
            .items,
        [bobs],
        "Bob's guides show Ada's, a refused guide was created, or a refused change applied"
    );
    assert_eq!(
        w.r.study_guides.get(ada, guide.id).await.unwrap(),
        guide,
        "Ada's guide changed after Bob's attempts"
    );
}

pub async fn study_guides_delete(fixture: &impl Fixture) {
    let w = World::of(fixture);
    let ada = w.user("ada").await;
    let gone = w.guide(ada, "Gone", SourceLinks::default()).await;
    let kept = w.guide(ada, "Kept", SourceLinks::default()).await;
    w.r.study_guides.delete(ada, gone.id).await.unwrap();
    expect::not_found(
        w.r.study_guides.get(ada, gone.id).await,
        "study guide",
        "a deleted guide can be opened",
    );
    expect::not_found(
        w.r.study_guides.delete(ada, gone.id).await,
        "study guide",
        "deleting a guide twice",
    );
    assert_eq!(
        w.r.study_guides
            .list(ada, StudyGuideFilter::default(), all())
            .await
            .unwrap()
            .items,
        [kept]
    );
}
