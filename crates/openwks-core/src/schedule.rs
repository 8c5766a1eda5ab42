//! Schedule tasks (issue #18): when a task runs, in its own time zone, and what it does.
//!
//! A schedule is a time of day in an IANA time zone plus a cycle: one fixed date
//! (`FIXED_TIME`), every `day_interval` days from the day it was set (`DAY`), some weekdays
//! (`WEEK`, `1` = Sunday … `7` = Saturday, as the vendor's Terraform provider documents), or
//! some days of some months (`MONTH`, days `1`–`31` or `L` alone for the last day; a month
//! without the day is skipped). Runs stop at `expire_time`.
//!
//! Daylight-saving time, as `java.time` resolves a local time (the vendor's scheduler is Java):
//! a time that falls in a spring-forward gap runs later by the length of the gap (02:30 on a
//! day that jumps from 02:00 to 03:00 runs at 03:30), and a time that occurs twice on a
//! fall-back day runs once, at its first occurrence.
//!
//! [`Schedule::next_after`] is the one function the controller (when a task is due) and
//! `list_future_executions` (what it will do) both use.

use chrono::{DateTime, Datelike, Duration, LocalResult, NaiveDate, NaiveDateTime, NaiveTime};
use chrono::{Offset, TimeZone, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Reason, Result};

/// What a task does to its servers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TaskType {
    /// Restart running servers.
    RestartServer,
    /// Start stopped servers.
    StartServer,
    /// Stop running servers.
    StopServer,
    /// Reinstall the operating system (the group's current image).
    ReinstallOs,
}

impl TaskType {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::RestartServer => "RESTART_SERVER",
            Self::StartServer => "START_SERVER",
            Self::StopServer => "STOP_SERVER",
            Self::ReinstallOs => "REINSTALL_OS",
        }
    }

    /// From the wire name.
    pub fn parse(s: &str) -> Result<Self> {
        Ok(match s {
            "RESTART_SERVER" => Self::RestartServer,
            "START_SERVER" => Self::StartServer,
            "STOP_SERVER" => Self::StopServer,
            "REINSTALL_OS" => Self::ReinstallOs,
            _ => {
                return Err(Error::invalid(
                    Reason::InvalidEnum,
                    format!(
                        "task_type must be RESTART_SERVER, START_SERVER, STOP_SERVER or REINSTALL_OS, not {s:?}"
                    ),
                ))
            }
        })
    }
}

/// The cycle of a schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Cycle {
    /// Once, on `scheduled_date`.
    FixedTime,
    /// Every `day_interval` days.
    Day,
    /// On the days of `week_list`.
    Week,
    /// On the days of `date_list` in the months of `month_list`.
    Month,
}

impl Cycle {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::FixedTime => "FIXED_TIME",
            Self::Day => "DAY",
            Self::Week => "WEEK",
            Self::Month => "MONTH",
        }
    }

    /// From the wire name.
    pub fn parse(s: &str) -> Result<Self> {
        Ok(match s {
            "FIXED_TIME" => Self::FixedTime,
            "DAY" => Self::Day,
            "WEEK" => Self::Week,
            "MONTH" => Self::Month,
            _ => {
                return Err(Error::invalid(
                    Reason::InvalidEnum,
                    format!("scheduled_type must be FIXED_TIME, DAY, WEEK or MONTH, not {s:?}"),
                ))
            }
        })
    }
}

/// What a schedule is given (the vendor's `ScheduledTaskConfig`); empty strings count as
/// absent (the vendor's Terraform provider sends them on update).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScheduleInput {
    /// `FIXED_TIME`, `DAY`, `WEEK`, `MONTH`.
    pub scheduled_type: Option<String>,
    /// `DAY`: every this many days (1–31).
    pub day_interval: Option<i64>,
    /// `WEEK`: `1,3` (1 = Sunday).
    pub week_list: Option<String>,
    /// `MONTH`: `1,3,12`.
    pub month_list: Option<String>,
    /// `MONTH`: `1,2,28` or `L`.
    pub date_list: Option<String>,
    /// IANA zone; `Asia/Shanghai` when absent.
    pub time_zone: Option<String>,
    /// `FIXED_TIME`: `yyyy-MM-dd`.
    pub scheduled_date: Option<String>,
    /// `HH:mm:ss`.
    pub scheduled_time: Option<String>,
    /// RFC 3339: no run after it.
    pub expire_time: Option<String>,
}

/// The zone a schedule has when none is given (the vendor's default).
pub const DEFAULT_TIME_ZONE: &str = "Asia/Shanghai";

/// A checked schedule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Schedule {
    /// The cycle.
    pub cycle: Cycle,
    /// `DAY`: the interval.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub day_interval: Option<u32>,
    /// `WEEK`: weekdays, 1 = Sunday … 7 = Saturday, as given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub week_list: Option<String>,
    /// `MONTH`: months, as given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub month_list: Option<String>,
    /// `MONTH`: days or `L`, as given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_list: Option<String>,
    /// The zone's IANA name.
    pub time_zone: String,
    /// `FIXED_TIME`: the date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scheduled_date: Option<String>,
    /// `HH:mm:ss`.
    pub scheduled_time: String,
    /// RFC 3339, as given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expire_time: Option<String>,
    /// `DAY`: the local date the interval counts from (the day the schedule was set).
    pub anchor: String,
}

fn invalid(msg: impl Into<String>) -> Error {
    Error::invalid(Reason::InvalidParameter, msg)
}

fn given(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// `1,3,12` → the numbers, each in `lo..=hi`, none twice.
fn numbers(field: &str, s: &str, lo: u32, hi: u32) -> Result<Vec<u32>> {
    let mut out = Vec::new();
    for part in s.split(',') {
        let n: u32 = part
            .trim()
            .parse()
            .ok()
            .filter(|n| (lo..=hi).contains(n))
            .ok_or_else(|| {
                invalid(format!(
                    "{field} must be numbers {lo} to {hi} separated by commas, not {s:?}"
                ))
            })?;
        if out.contains(&n) {
            return Err(invalid(format!("{field} names {n} twice")));
        }
        out.push(n);
    }
    Ok(out)
}

/// The days of a `date_list`: `None` for `L` (the last day).
fn days(s: &str) -> Result<Option<Vec<u32>>> {
    if s.trim() == "L" {
        return Ok(None);
    }
    if s.split(',').any(|p| p.trim() == "L") {
        return Err(invalid(
            "date_list: L stands alone (the last day of the month)",
        ));
    }
    numbers("date_list", s, 1, 31).map(Some)
}

/// An instant as clients send `expire_time`: RFC 3339, or an ISO date-time without an offset
/// (what the vendor's Python SDK sends for a naive `datetime`), read as UTC.
fn instant(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .ok()
        .or_else(|| {
            NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f")
                .ok()
                .map(|t| Utc.from_utc_datetime(&t))
        })
}

fn zone(name: &str) -> Result<Tz> {
    name.parse::<Tz>()
        .map_err(|_| invalid(format!("time_zone {name:?} is not an IANA time zone")))
}

fn time_of_day(s: &str) -> Result<NaiveTime> {
    NaiveTime::parse_from_str(s, "%H:%M:%S")
        .ok()
        .filter(|_| s.len() == 8)
        .ok_or_else(|| invalid(format!("scheduled_time must be HH:mm:ss, not {s:?}")))
}

fn date(s: &str) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .ok()
        .filter(|_| s.len() == 10)
        .ok_or_else(|| invalid(format!("scheduled_date must be yyyy-MM-dd, not {s:?}")))
}

/// The instant of a local date and time in `tz`, as `java.time` resolves it: later by the
/// gap's length in a spring-forward gap, the first of two in a fall-back overlap.
fn resolve(tz: Tz, local: NaiveDateTime) -> Option<DateTime<Utc>> {
    match tz.from_local_datetime(&local) {
        LocalResult::Single(t) => Some(t.with_timezone(&Utc)),
        LocalResult::Ambiguous(first, _) => Some(first.with_timezone(&Utc)),
        LocalResult::None => {
            // In a gap: read the local time with the offset in force just before the gap; the
            // instant lands after it, as far in as the time was.
            let before = tz
                .from_local_datetime(&(local - Duration::hours(3)))
                .earliest()?;
            before
                .offset()
                .fix()
                .from_local_datetime(&local)
                .single()
                .map(|t| t.with_timezone(&Utc))
        }
    }
}

impl Schedule {
    /// Check what is given; `now` dates a `DAY` schedule's interval and refuses a fixed time or
    /// an expiry already past.
    pub fn parse(input: &ScheduleInput, now: DateTime<Utc>) -> Result<Self> {
        let cycle = Cycle::parse(
            given(&input.scheduled_type).ok_or_else(|| Error::missing("scheduled_type"))?,
        )?;
        let time_zone = given(&input.time_zone)
            .unwrap_or(DEFAULT_TIME_ZONE)
            .to_string();
        if time_zone.len() > 64 {
            return Err(invalid("time_zone is 1 to 64 characters"));
        }
        let tz = zone(&time_zone)?;
        let scheduled_time = given(&input.scheduled_time)
            .ok_or_else(|| Error::missing("scheduled_time"))?
            .to_string();
        time_of_day(&scheduled_time)?;
        for (field, v) in [
            ("week_list", &input.week_list),
            ("month_list", &input.month_list),
            ("date_list", &input.date_list),
            ("scheduled_date", &input.scheduled_date),
        ] {
            if v.as_ref().is_some_and(|s| s.len() > 255) {
                return Err(invalid(format!("{field} is at most 255 characters")));
            }
        }
        let mut s = Self {
            cycle,
            day_interval: None,
            week_list: None,
            month_list: None,
            date_list: None,
            time_zone,
            scheduled_date: None,
            scheduled_time,
            expire_time: None,
            anchor: now.with_timezone(&tz).date_naive().to_string(),
        };
        match cycle {
            Cycle::FixedTime => {
                let d =
                    given(&input.scheduled_date).ok_or_else(|| Error::missing("scheduled_date"))?;
                date(d)?;
                s.scheduled_date = Some(d.to_string());
            }
            Cycle::Day => {
                let n = input
                    .day_interval
                    .ok_or_else(|| Error::missing("day_interval"))?;
                if !(1..=31).contains(&n) {
                    return Err(Error::invalid(
                        Reason::OutOfRange,
                        "day_interval must be 1 to 31",
                    ));
                }
                s.day_interval = u32::try_from(n).ok();
            }
            Cycle::Week => {
                let w = given(&input.week_list).ok_or_else(|| Error::missing("week_list"))?;
                numbers("week_list", w, 1, 7)?;
                s.week_list = Some(w.to_string());
            }
            Cycle::Month => {
                let m = given(&input.month_list).ok_or_else(|| Error::missing("month_list"))?;
                numbers("month_list", m, 1, 12)?;
                let d = given(&input.date_list).ok_or_else(|| Error::missing("date_list"))?;
                days(d)?;
                s.month_list = Some(m.to_string());
                s.date_list = Some(d.to_string());
            }
        }
        if let Some(e) = given(&input.expire_time) {
            let at = instant(e).ok_or_else(|| {
                invalid(format!("expire_time must be an RFC 3339 time, not {e:?}"))
            })?;
            if at <= now {
                return Err(invalid("expire_time is already past"));
            }
            s.expire_time = Some(e.to_string());
        }
        if cycle == Cycle::FixedTime && s.next_after(now).is_none() {
            return Err(invalid(
                "the fixed time is already past (or after expire_time)",
            ));
        }
        Ok(s)
    }

    fn tz(&self) -> Option<Tz> {
        self.time_zone.parse().ok()
    }

    fn expires(&self) -> Option<DateTime<Utc>> {
        self.expire_time.as_deref().and_then(instant)
    }

    /// Whether the schedule runs on local date `d`.
    fn runs_on(&self, d: NaiveDate) -> bool {
        match self.cycle {
            Cycle::FixedTime => {
                self.scheduled_date.as_deref().and_then(|s| date(s).ok()) == Some(d)
            }
            Cycle::Day => {
                let Ok(anchor) = date(&self.anchor) else {
                    return false;
                };
                let n = i64::from(self.day_interval.unwrap_or(1).max(1));
                let since = (d - anchor).num_days();
                since >= 0 && since % n == 0
            }
            Cycle::Week => {
                let w = d.weekday().num_days_from_sunday() + 1;
                self.week_list
                    .as_deref()
                    .and_then(|l| numbers("week_list", l, 1, 7).ok())
                    .is_some_and(|l| l.contains(&w))
            }
            Cycle::Month => {
                let months = self
                    .month_list
                    .as_deref()
                    .and_then(|l| numbers("month_list", l, 1, 12).ok())
                    .unwrap_or_default();
                if !months.contains(&d.month()) {
                    return false;
                }
                match self.date_list.as_deref().map(days) {
                    Some(Ok(Some(list))) => list.contains(&d.day()),
                    Some(Ok(None)) => d.succ_opt().is_none_or(|n| n.month() != d.month()),
                    _ => false,
                }
            }
        }
    }

    /// The first run strictly after `after`, if any is left (none past `expire_time`).
    pub fn next_after(&self, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let tz = self.tz()?;
        let time = time_of_day(&self.scheduled_time).ok()?;
        let expires = self.expires();
        // A day before `after`'s local date: a run early on the next local day can fall
        // before `after`'s local midnight in a zone far from UTC, and gaps move times.
        let mut d = after.with_timezone(&tz).date_naive().pred_opt()?;
        // Eight years covers every cycle (29 February in a month list, day intervals).
        for _ in 0..(8 * 366) {
            if self.runs_on(d) {
                if let Some(t) = resolve(tz, d.and_time(time)) {
                    if expires.is_some_and(|e| t > e) {
                        return None;
                    }
                    if t > after {
                        return Some(t);
                    }
                }
            }
            if self.cycle == Cycle::FixedTime
                && self
                    .scheduled_date
                    .as_deref()
                    .and_then(|s| date(s).ok())
                    .is_some_and(|f| d > f)
            {
                return None;
            }
            d = d.succ_opt()?;
        }
        None
    }

    /// The next `n` runs after `after`.
    pub fn next_runs(&self, after: DateTime<Utc>, n: usize) -> Vec<DateTime<Utc>> {
        let mut out = Vec::with_capacity(n);
        let mut t = after;
        while out.len() < n {
            match self.next_after(t) {
                Some(next) => {
                    out.push(next);
                    t = next;
                }
                None => break,
            }
        }
        out
    }

    /// An instant as the vendor shows run times: `yyyy-MM-dd HH:mm:ss` in the task's zone.
    pub fn local(&self, t: DateTime<Utc>) -> String {
        match self.tz() {
            Some(tz) => t.with_timezone(&tz).format("%Y-%m-%d %H:%M:%S").to_string(),
            None => t.format("%Y-%m-%d %H:%M:%S").to_string(),
        }
    }

    /// The schedule as a Quartz cron expression (the vendor's `task_cron`; informational).
    pub fn cron(&self) -> String {
        let t = time_of_day(&self.scheduled_time).unwrap_or_default();
        let hms = t.format("%-S %-M %-H").to_string();
        match self.cycle {
            Cycle::FixedTime => {
                let d = self
                    .scheduled_date
                    .as_deref()
                    .and_then(|s| date(s).ok())
                    .unwrap_or_default();
                format!("{hms} {} {} ? {}", d.day(), d.month(), d.year())
            }
            Cycle::Day => format!("{hms} */{} * ?", self.day_interval.unwrap_or(1)),
            Cycle::Week => format!("{hms} ? * {}", self.week_list.as_deref().unwrap_or("*")),
            Cycle::Month => format!(
                "{hms} {} {} ?",
                self.date_list.as_deref().unwrap_or("*"),
                self.month_list.as_deref().unwrap_or("*")
            ),
        }
    }
}

/// Where a task acts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TargetType {
    /// One app server.
    Server,
    /// Every app server of a server group.
    ServerGroup,
}

impl TargetType {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Server => "SERVER",
            Self::ServerGroup => "SERVER_GROUP",
        }
    }

    /// From the wire name.
    pub fn parse(s: &str) -> Result<Self> {
        match s {
            "SERVER" => Ok(Self::Server),
            "SERVER_GROUP" => Ok(Self::ServerGroup),
            _ => Err(Error::invalid(
                Reason::InvalidEnum,
                format!("target_type must be SERVER or SERVER_GROUP, not {s:?}"),
            )),
        }
    }
}

/// A target of a task.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Target {
    /// Server or server group.
    pub target_type: TargetType,
    /// Its id.
    pub target_id: String,
    /// Its name when the task was written.
    pub target_name: String,
}

/// The state of a task's last run, of a run, or of one server's part in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RunStatus {
    /// Not run yet.
    Waiting,
    /// Under way.
    Running,
    /// Done.
    Success,
    /// Failed (for a run: any of its servers failed).
    Failed,
}

impl RunStatus {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Waiting => "WAITING",
            Self::Running => "RUNNING",
            Self::Success => "SUCCESS",
            Self::Failed => "FAILED",
        }
    }
}

/// A schedule task.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScheduleTask {
    /// UUID.
    pub id: String,
    /// Project.
    pub project_id: String,
    /// Name.
    pub task_name: String,
    /// What it does.
    pub task_type: TaskType,
    /// When.
    pub schedule: Schedule,
    /// Description.
    pub description: String,
    /// Whether it runs.
    pub is_enable: bool,
    /// Run even on servers with live sessions (logging them off).
    pub enforcement_enable: bool,
    /// Where.
    pub targets: Vec<Target>,
    /// The next run (epoch ms), `None` when none is left or the task is disabled.
    pub next_ms: Option<i64>,
    /// Created (RFC 3339).
    pub create_time: String,
    /// Changed (RFC 3339).
    pub update_time: String,
}

impl ScheduleTask {
    /// When it runs next after `after`, if enabled.
    pub fn next_from(&self, after: DateTime<Utc>) -> Option<i64> {
        self.is_enable
            .then(|| self.schedule.next_after(after))
            .flatten()
            .map(|t| t.timestamp_millis())
    }
}

/// A task's name: 1–64 of letters, digits, `_`, `-` and CJK ideographs (the vendor's
/// pattern `^(?! +$)[\w\u4e00-\u9fa5\-_]{1,64}$`, `\w` being ASCII in Java).
pub fn check_task_name(name: &str) -> Result<()> {
    let n = name.chars().count();
    let ok = (1..=64).contains(&n)
        && name.chars().all(|c| {
            c.is_ascii_alphanumeric()
                || c == '_'
                || c == '-'
                || ('\u{4e00}'..='\u{9fa5}').contains(&c)
        });
    if ok {
        Ok(())
    } else {
        Err(invalid(format!(
            "task_name must be 1 to 64 letters, digits, '_', '-' or Chinese characters, not {name:?}"
        )))
    }
}

/// One server's part in a run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunItem {
    /// Record id.
    pub id: String,
    /// The server.
    pub server_id: String,
    /// Its name.
    pub server_name: String,
    /// The job that carries it out, if one was started.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job_id: Option<String>,
    /// Its state when written (a job's state is read when shown).
    pub status: RunStatus,
    /// Error code when it failed.
    pub result_code: String,
    /// What happened.
    pub result_message: String,
    /// Started (RFC 3339).
    pub begin_time: String,
    /// Ended (RFC 3339), empty while running.
    pub end_time: String,
}

/// One run of a task.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Run {
    /// Record id.
    pub id: String,
    /// Project.
    pub project_id: String,
    /// The task.
    pub task_id: String,
    /// Its type then.
    pub task_type: TaskType,
    /// Its cycle then.
    pub cycle: Cycle,
    /// Its zone then.
    pub time_zone: String,
    /// Started (RFC 3339).
    pub begin_time: String,
    /// Per server.
    pub items: Vec<RunItem>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s)
            .expect("time")
            .with_timezone(&Utc)
    }

    fn input(cycle: &str, time: &str, zone: &str) -> ScheduleInput {
        ScheduleInput {
            scheduled_type: Some(cycle.into()),
            scheduled_time: Some(time.into()),
            time_zone: Some(zone.into()),
            ..ScheduleInput::default()
        }
    }

    fn runs(s: &Schedule, from: &str, n: usize) -> Vec<String> {
        s.next_runs(at(from), n)
            .into_iter()
            .map(|t| format!("{} = {}", s.local(t), t.format("%Y-%m-%dT%H:%MZ")))
            .collect()
    }

    #[test]
    fn daily_runs_cross_spring_forward_and_fall_back_in_new_york() {
        let mut i = input("DAY", "02:30:00", "America/New_York");
        i.day_interval = Some(1);
        let s = Schedule::parse(&i, at("2026-03-06T12:00:00Z")).expect("schedule");
        // 8 March 2026: 02:00 EST jumps to 03:00 EDT; 02:30 does not exist and runs at 03:30.
        assert_eq!(
            runs(&s, "2026-03-06T12:00:00Z", 3),
            [
                "2026-03-07 02:30:00 = 2026-03-07T07:30Z",
                "2026-03-08 03:30:00 = 2026-03-08T07:30Z",
                "2026-03-09 02:30:00 = 2026-03-09T06:30Z",
            ]
        );
        // 1 November 2026: 01:30 happens twice (EDT, then EST); it runs once, the first time.
        let mut i = input("DAY", "01:30:00", "America/New_York");
        i.day_interval = Some(1);
        let s = Schedule::parse(&i, at("2026-10-30T12:00:00Z")).expect("schedule");
        assert_eq!(
            runs(&s, "2026-10-31T12:00:00Z", 2),
            [
                "2026-11-01 01:30:00 = 2026-11-01T05:30Z",
                "2026-11-02 01:30:00 = 2026-11-02T06:30Z",
            ]
        );
    }

    #[test]
    fn weekly_runs_count_sunday_as_one() {
        let mut i = input("WEEK", "09:00:00", "Asia/Shanghai");
        i.week_list = Some("1,3".into());
        let s = Schedule::parse(&i, at("2026-12-01T00:00:00Z")).expect("schedule");
        // 1 December 2026 is a Tuesday, 6 December a Sunday.
        assert_eq!(
            runs(&s, "2026-12-01T00:00:00Z", 3),
            [
                "2026-12-01 09:00:00 = 2026-12-01T01:00Z",
                "2026-12-06 09:00:00 = 2026-12-06T01:00Z",
                "2026-12-08 09:00:00 = 2026-12-08T01:00Z",
            ]
        );
        assert_eq!(s.cron(), "0 0 9 ? * 1,3");
    }

    #[test]
    fn monthly_runs_take_the_last_day_and_skip_months_without_the_day() {
        let mut i = input("MONTH", "23:00:00", "Europe/Berlin");
        i.month_list = Some("1,2,3,4".into());
        i.date_list = Some("L".into());
        let s = Schedule::parse(&i, at("2027-01-01T00:00:00Z")).expect("schedule");
        assert_eq!(
            runs(&s, "2027-01-01T00:00:00Z", 4),
            [
                "2027-01-31 23:00:00 = 2027-01-31T22:00Z",
                "2027-02-28 23:00:00 = 2027-02-28T22:00Z",
                "2027-03-31 23:00:00 = 2027-03-31T21:00Z",
                "2027-04-30 23:00:00 = 2027-04-30T21:00Z",
            ]
        );
        i.date_list = Some("31".into());
        let s = Schedule::parse(&i, at("2027-01-01T00:00:00Z")).expect("schedule");
        assert_eq!(
            runs(&s, "2027-01-01T00:00:00Z", 3),
            [
                "2027-01-31 23:00:00 = 2027-01-31T22:00Z",
                "2027-03-31 23:00:00 = 2027-03-31T21:00Z",
                "2028-01-31 23:00:00 = 2028-01-31T22:00Z",
            ]
        );
        i.date_list = Some("1,L".into());
        assert!(Schedule::parse(&i, at("2027-01-01T00:00:00Z")).is_err());
    }

    #[test]
    fn intervals_count_from_the_day_they_were_set_and_stop_at_expiry() {
        let mut i = input("DAY", "08:00:00", "UTC");
        i.day_interval = Some(3);
        // Naive, as the vendor's Python SDK sends a `datetime` (read as UTC), or RFC 3339.
        for expiry in ["2027-01-08T00:00:00", "2027-01-08T01:00:00+01:00"] {
            i.expire_time = Some(expiry.into());
            let s = Schedule::parse(&i, at("2027-01-01T10:00:00Z")).expect("schedule");
            assert_eq!(
                runs(&s, "2027-01-01T10:00:00Z", 5),
                [
                    "2027-01-04 08:00:00 = 2027-01-04T08:00Z",
                    "2027-01-07 08:00:00 = 2027-01-07T08:00Z",
                ],
                "{expiry}"
            );
        }
    }

    #[test]
    fn a_fixed_time_runs_once_and_must_be_ahead() {
        let mut i = input("FIXED_TIME", "09:00:00", "Asia/Shanghai");
        i.scheduled_date = Some("2027-02-03".into());
        let s = Schedule::parse(&i, at("2027-01-01T00:00:00Z")).expect("schedule");
        assert_eq!(
            runs(&s, "2027-01-01T00:00:00Z", 3),
            ["2027-02-03 09:00:00 = 2027-02-03T01:00Z"]
        );
        assert_eq!(s.cron(), "0 0 9 3 2 ? 2027");
        assert!(Schedule::parse(&i, at("2027-02-03T02:00:00Z")).is_err());
    }

    #[test]
    fn malformed_schedules_are_refused_with_the_field() {
        let now = at("2027-01-01T00:00:00Z");
        let mut cases = Vec::new();
        let mut i = input("WEEK", "09:00:00", "Asia/Shanghai");
        i.week_list = Some("0,8".into());
        cases.push((i, "week_list"));
        let mut i = input("WEEK", "9:00", "Asia/Shanghai");
        i.week_list = Some("1".into());
        cases.push((i, "scheduled_time"));
        let mut i = input("WEEK", "09:00:00", "Mars/Olympus");
        i.week_list = Some("1".into());
        cases.push((i, "time_zone"));
        cases.push((input("DAY", "09:00:00", "UTC"), "day_interval"));
        cases.push((input("HOURLY", "09:00:00", "UTC"), "scheduled_type"));
        let mut i = input("MONTH", "09:00:00", "UTC");
        i.month_list = Some("13".into());
        i.date_list = Some("1".into());
        cases.push((i, "month_list"));
        let mut i = input("DAY", "09:00:00", "UTC");
        i.day_interval = Some(1);
        i.expire_time = Some("2026-01-01T00:00:00Z".into());
        cases.push((i, "expire_time"));
        for (i, field) in cases {
            let e = Schedule::parse(&i, now).expect_err(field);
            assert!(e.message.contains(field), "{field}: {}", e.message);
        }
    }

    #[test]
    fn task_names_follow_the_vendor_pattern() {
        for ok in ["a", "定时开机任务", "night_restart-2", &"x".repeat(64)] {
            check_task_name(ok).expect(ok);
        }
        for bad in ["", " ", "a b", "a.b", &"x".repeat(65), "é"] {
            assert!(check_task_name(bad).is_err(), "{bad:?}");
        }
    }
}
