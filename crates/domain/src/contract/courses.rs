//! [`crate::CourseRepository`]: the courses material is filed under.

use std::collections::HashSet;

use super::Fixture;
use super::expect;
use super::seed::{World, all, new_course, short, wait_past};
use crate::entities::{CourseUpdate, NewCourse};
use crate::id::CourseId;
use crate::values::{Color, Description, Name};

pub async fn courses_create_and_get(fixture: &impl Fixture) {
    let w = World::of(fixture);
    let ada = w.user("ada").await;
    let plain =
        w.r.courses
            .create(ada, new_course("Biology"))
            .await
            .unwrap();
    assert_eq!(plain.user_id, ada);
    assert_eq!(plain.name, "Biology");
    assert_eq!(plain.color, "blue", "a course without a colour is not blue");
    assert_eq!(
        (
            plain.code.as_deref(),
            plain.description.as_deref(),
            plain.term.as_deref(),
            plain.instructor.as_deref()
        ),
        (None, None, None, None)
    );
    let full =
        w.r.courses
            .create(
                ada,
                NewCourse {
                    name: Name::parse("Linear Algebra").unwrap(),
                    code: Some(short("MATH 221")),
                    description: Some(Description::parse("Vectors and matrices").unwrap()),
                    color: Color::parse("#1E90FF").unwrap(),
                    term: Some(short("Fall 2026")),
                    instructor: Some(short("Dr. Noether")),
                },
            )
            .await
            .unwrap();
    assert_eq!(full.code.as_deref(), Some("MATH 221"));
    assert_eq!(full.description.as_deref(), Some("Vectors and matrices"));
    assert_eq!(full.color, "#1e90ff");
    assert_eq!(full.term.as_deref(), Some("Fall 2026"));
    assert_eq!(full.instructor.as_deref(), Some("Dr. Noether"));
    assert_eq!(
        w.r.courses.get(ada, full.id).await.unwrap(),
        full,
        "the course read back differs"
    );
    assert_eq!(
        w.r.courses.get(ada, plain.id).await.unwrap(),
        plain,
        "the course read back differs"
    );
}

pub async fn courses_update_changes_only_the_fields_given(fixture: &impl Fixture) {
    let w = World::of(fixture);
    let ada = w.user("ada").await;
    let course =
        w.r.courses
            .create(
                ada,
                NewCourse {
                    code: Some(short("BIO 101")),
                    description: Some(Description::parse("Cells").unwrap()),
                    term: Some(short("Spring")),
                    instructor: Some(short("Dr. Hooke")),
                    ..new_course("Bio")
                },
            )
            .await
            .unwrap();
    wait_past(course.updated_at);
    let changed =
        w.r.courses
            .update(
                ada,
                course.id,
                CourseUpdate {
                    code: Some(Some(short("BIO 102"))),
                    color: Some(Color::parse("emerald").unwrap()),
                    description: Some(None),
                    ..CourseUpdate::default()
                },
            )
            .await
            .unwrap();
    assert_eq!(changed.code.as_deref(), Some("BIO 102"));
    assert_eq!(changed.color, "emerald");
    assert_eq!(
        changed.description, None,
        "the description could not be cleared"
    );
    assert_eq!(
        changed.name, "Bio",
        "a change to the code renamed the course"
    );
    assert_eq!(
        changed.term.as_deref(),
        Some("Spring"),
        "the term changed though not asked"
    );
    assert_eq!(
        changed.instructor.as_deref(),
        Some("Dr. Hooke"),
        "the instructor changed though not asked"
    );
    assert_eq!(changed.created_at, course.created_at);
    assert!(
        changed.updated_at > course.updated_at,
        "the change did not move updated_at"
    );
    assert_eq!(
        w.r.courses.get(ada, course.id).await.unwrap(),
        changed,
        "the change was not stored"
    );

    let renamed =
        w.r.courses
            .update(
                ada,
                course.id,
                CourseUpdate {
                    name: Some(Name::parse("Biology").unwrap()),
                    term: Some(None),
                    instructor: Some(None),
                    code: Some(None),
                    ..CourseUpdate::default()
                },
            )
            .await
            .unwrap();
    assert_eq!(renamed.name, "Biology");
    assert_eq!(
        (renamed.term, renamed.instructor, renamed.code),
        (None, None, None)
    );
    assert_eq!(renamed.color, "emerald", "renaming reset the colour");
}

pub async fn courses_list_pages_newest_first(fixture: &impl Fixture) {
    let w = World::of(fixture);
    let ada = w.user("ada").await;
    let bob = w.user("bob").await;
    let mut created = Vec::new();
    for i in 0..25 {
        created.push(w.course(ada, &format!("Course {i}")).await.id);
        if i % 5 == 0 {
            w.course(bob, &format!("Bob's {i}")).await;
        }
    }
    let (sizes, items) = expect::every_page(10, |p| w.r.courses.list(ada, p)).await;
    assert_eq!(sizes, [10, 10, 5], "25 courses do not page as 10 + 10 + 5");
    let ids: Vec<CourseId> = items.iter().map(|c| c.id).collect();
    created.reverse();
    assert_eq!(
        ids, created,
        "courses are not listed newest first, each once, only the user's"
    );
    assert_eq!(ids.iter().collect::<HashSet<_>>().len(), 25);
}

pub async fn courses_of_another_user_are_not_found(fixture: &impl Fixture) {
    let w = World::of(fixture);
    let ada = w.user("ada").await;
    let bob = w.user("bob").await;
    let course = w.course(ada, "Ada's").await;
    w.course(bob, "Bob's").await;

    expect::hidden(
        w.r.courses.get(bob, course.id).await,
        w.r.courses.get(bob, CourseId::new()).await,
        "course",
        "Bob opened Ada's course",
    );
    let rename = CourseUpdate {
        name: Some(Name::parse("Stolen").unwrap()),
        ..CourseUpdate::default()
    };
    expect::hidden(
        w.r.courses.update(bob, course.id, rename.clone()).await,
        w.r.courses.update(bob, CourseId::new(), rename).await,
        "course",
        "Bob renamed Ada's course",
    );
    expect::hidden(
        w.r.courses.delete(bob, course.id).await,
        w.r.courses.delete(bob, CourseId::new()).await,
        "course",
        "Bob deleted Ada's course",
    );
    let bobs: Vec<String> =
        w.r.courses
            .list(bob, all())
            .await
            .unwrap()
            .items
            .into_iter()
            .map(|c| c.name)
            .collect();
    assert_eq!(
        bobs,
        ["Bob's"],
        "Bob's course list shows someone else's course"
    );
    assert_eq!(
        w.r.courses.get(ada, course.id).await.unwrap(),
        course,
        "Ada's course changed after Bob's attempts"
    );
}

pub async fn courses_delete(fixture: &impl Fixture) {
    let w = World::of(fixture);
    let ada = w.user("ada").await;
    let gone = w.course(ada, "Gone").await;
    let kept = w.course(ada, "Kept").await;
    w.r.courses.delete(ada, gone.id).await.unwrap();
    expect::not_found(
        w.r.courses.get(ada, gone.id).await,
        "course",
        "a deleted course can be opened",
    );
    expect::not_found(
        w.r.courses.delete(ada, gone.id).await,
        "course",
        "deleting a course twice",
    );
    assert_eq!(
        w.r.courses.list(ada, all()).await.unwrap().items,
        [kept],
        "deleting one course removed another, or the deleted one is still listed"
    );
}
