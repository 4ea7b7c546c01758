package dev.virtflash.app.cli;

/** Whether and how the flash RSS report is printed after the run ({@code --rss-report[=table|json|none]}). */
public enum RssReportMode {
    /** No report. */
    NONE,
    /** The human table. */
    TABLE,
    /** One JSON object, for CI. */
    JSON
}
