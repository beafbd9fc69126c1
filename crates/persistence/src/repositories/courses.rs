//! Courses on PostgreSQL.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use sophie_domain::{
    Course, CourseId, CourseRepository, CourseUpdate, DomainResult, NewCourse, Page, PageRequest,
    SortOrder, UserId,
};
use uuid::Uuid;

use crate::confirmed::ConfirmedDsl as _;
use crate::error::from_diesel;
use crate::keyset::after_cursor;
use crate::schema::courses;
use crate::store::PostgresStore;

const ENTITY: &str = "course";

#[derive(Queryable, Selectable)]
#[diesel(table_name = courses, check_for_backend(diesel::pg::Pg))]
struct CourseRow {
    id: Uuid,
    name: String,
    code: Option<String>,
    description: Option<String>,
    color: String,
    term: Option<String>,
    instructor: Option<String>,
    user_id: Uuid,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl From<CourseRow> for Course {
    fn from(row: CourseRow) -> Self {
        Self {
            id: row.id.into(),
            user_id: row.user_id.into(),
            name: row.name,
            code: row.code,
            description: row.description,
            color: row.color,
            term: row.term,
            instructor: row.instructor,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

#[derive(Insertable)]
#[diesel(table_name = courses, treat_none_as_default_value = false)]
struct NewCourseRow {
    id: Uuid,
    name: String,
    code: Option<String>,
    description: Option<String>,
    color: String,
    term: Option<String>,
    instructor: Option<String>,
    user_id: Uuid,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

#[derive(AsChangeset)]
#[diesel(table_name = courses)]
struct CourseChanges {
    name: Option<String>,
    code: Option<Option<String>>,
    description: Option<Option<String>>,
    color: Option<String>,
    term: Option<Option<String>>,
    instructor: Option<Option<String>>,
    updated_at: DateTime<Utc>,
}

#[async_trait]
impl CourseRepository for PostgresStore {
    async fn create(&self, user: UserId, new: NewCourse) -> DomainResult<Course> {
        let now = self.clock.now();
        let row = NewCourseRow {
            id: CourseId::new().as_uuid(),
            name: new.name.into_inner(),
            code: new.code.map(String::from),
            description: new.description.map(String::from),
            color: new.color.into_inner(),
            term: new.term.map(String::from),
            instructor: new.instructor.map(String::from),
            user_id: user.as_uuid(),
            created_at: now,
            updated_at: now,
        };
        let mut conn = self.db.conn().await?;
        diesel::insert_into(courses::table)
            .values(row)
            .returning(CourseRow::as_returning())
            .one(&mut conn)
            .await
            .map(Course::from)
            .map_err(|e| from_diesel(ENTITY, e))
    }

    async fn get(&self, user: UserId, id: CourseId) -> DomainResult<Course> {
        self.db
            .read(ENTITY, async |conn| {
                courses::table
                    .filter(courses::id.eq(id.as_uuid()))
                    .filter(courses::user_id.eq(user.as_uuid()))
                    .select(CourseRow::as_select())
                    .limit(1)
                    .one(conn)
                    .await
            })
            .await
            .map(Course::from)
    }

    async fn list(&self, user: UserId, page: PageRequest) -> DomainResult<Page<Course>> {
        let query = || {
            let mut query = courses::table
                .filter(courses::user_id.eq(user.as_uuid()))
                .select(CourseRow::as_select())
                .order((courses::created_at.desc(), courses::id.desc()))
                .limit(page.fetch_limit())
                .into_boxed();
            if let Some(cursor) = page.cursor {
                query = query.filter(after_cursor(
                    "courses.created_at",
                    "courses.id",
                    SortOrder::NewestFirst,
                    cursor,
                ));
            }
            query
        };
        let rows = self
            .db
            .read(ENTITY, async |conn| query().load(conn).await)
            .await?;
        Ok(Page::from_overfetch(
            rows.into_iter().map(Course::from).collect(),
            page,
            |c| (c.created_at, c.id.as_uuid()),
        ))
    }

    async fn update(
        &self,
        user: UserId,
        id: CourseId,
        update: CourseUpdate,
    ) -> DomainResult<Course> {
        let changes = CourseChanges {
            name: update.name.map(String::from),
            code: update.code.map(|v| v.map(String::from)),
            description: update.description.map(|v| v.map(String::from)),
            color: update.color.map(|c| c.into_inner()),
            term: update.term.map(|v| v.map(String::from)),
            instructor: update.instructor.map(|v| v.map(String::from)),
            updated_at: self.clock.now(),
        };
        let mut conn = self.db.conn().await?;
        diesel::update(
            courses::table
                .filter(courses::id.eq(id.as_uuid()))
                .filter(courses::user_id.eq(user.as_uuid())),
        )
        .set(changes)
        .returning(CourseRow::as_returning())
        .one(&mut conn)
        .await
        .map(Course::from)
        .map_err(|e| from_diesel(ENTITY, e))
    }

    async fn delete(&self, user: UserId, id: CourseId) -> DomainResult<()> {
        let mut conn = self.db.conn().await?;
        let deleted = diesel::delete(
            courses::table
                .filter(courses::id.eq(id.as_uuid()))
                .filter(courses::user_id.eq(user.as_uuid())),
        )
        .execute(&mut conn)
        .await
        .map_err(|e| from_diesel(ENTITY, e))?;
        if deleted == 0 {
            return Err(sophie_domain::DomainError::not_found(ENTITY));
        }
        Ok(())
    }
}
