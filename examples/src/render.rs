//! Human-readable renderings of larger results (the statistics dashboard).

use shopcore::Dashboard;

pub fn dashboard(d: &Dashboard) -> String {
    let (y, m, day) = d.date;
    let mut out = vec![format!(
        "statistics for {y}-{m:02}-{day:02} ({})",
        d.time_zone
    )];
    let u = &d.users;
    out.push(format!(
        "users     total {}  new today {}  new this week {}  banned {}  active 1d/7d/30d {}/{}/{}",
        u.total, u.new_today, u.new_this_week, u.banned, u.active_1d, u.active_7d, u.active_30d
    ));
    let o = &d.orders;
    let statuses: Vec<String> = o
        .by_status
        .iter()
        .map(|(s, n)| format!("{s} {n}"))
        .collect();
    out.push(format!(
        "orders    total {}  today {}  this week {}  ({})",
        o.total,
        o.today,
        o.this_week,
        statuses.join(", ")
    ));
    out.push(format!(
        "          success rate {}  completed manually {}  automatically {}",
        o.success_rate_percent
            .map_or("-".into(), |p| format!("{p}%")),
        o.completed_manual,
        o.completed_auto
    ));
    let r = &d.revenue;
    out.push(format!(
        "revenue   total {} USD  today {}  this week {}  this month {}  average order {}",
        r.total.display_with(2),
        r.today.display_with(2),
        r.this_week.display_with(2),
        r.this_month.display_with(2),
        r.average_order_value.display_with(2)
    ));
    let t = &d.topups;
    out.push(format!(
        "top-ups   {} approved, {} USD; today {} ({} USD)",
        t.count,
        t.total.display_with(2),
        t.today_count,
        t.today_total.display_with(2)
    ));
    let best: Vec<String> = d
        .best_by_units
        .iter()
        .map(|b| format!("{} ×{}", b.name, b.units))
        .collect();
    out.push(format!(
        "best sellers  {}",
        if best.is_empty() {
            "-".into()
        } else {
            best.join(", ")
        }
    ));
    let max = d
        .revenue_series
        .iter()
        .map(|(_, m)| *m)
        .max()
        .unwrap_or_default();
    out.push("revenue by day".into());
    for (day, revenue) in &d.revenue_series {
        let (y, m, dd) = shopcore::analytics::civil_from_days(*day);
        let bar = if max.is_positive() {
            let share = revenue.decimal() * rust_decimal_share() / max.decimal();
            "█".repeat(
                usize::try_from(share.round().mantissa())
                    .unwrap_or(0)
                    .min(40),
            )
        } else {
            String::new()
        };
        out.push(format!(
            "  {y}-{m:02}-{dd:02}  {:>10}  {bar}",
            revenue.display_with(2)
        ));
    }
    out.join("\n")
}

fn rust_decimal_share() -> rust_decimal::Decimal {
    rust_decimal::Decimal::from(40)
}
