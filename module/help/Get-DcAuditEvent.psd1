# Help text for Get-DcAuditEvent. ConvertTo-MamlHelp.ps1 merges it with the cmdlet's metadata into the MAML file.
@{
    Synopsis     = 'Gets the audit trail of the catalog: who changed which source, when, with which command, and what each field changed from and to.'

    Description  = @'
Get-DcAuditEvent reads the catalog's audit trail and returns one DataCompass.DcAuditEvent per recorded event, oldest first. DataCompass records an event for every change it makes to the catalog (add, set, import, remove, convert, move, rotate-secret, encrypt, rotate-key, new-key, remove-key, set-config, protect-database, unprotect-database) and for resolutions (resolve), in the same transaction as the change itself, so a change is never without its event nor an event without its change.

Each event names the operating system user, the machine, the process, the PowerShell host and the command, whether it succeeded and, when it failed, the ErrorId. Fields lists, per field, what it held before and after as a reference (${secret:Vault/Name}, ${VAR}) or a provenance word (plaintext, encrypted): the trail never holds a secret value. Details holds the rest of the recorded context, such as the vault written to or the key id.

-Source, -Action, -Since and -Until filter the events, and all the filters given must hold; -Last keeps only the newest events that pass them, still returned oldest first. An event outlives its source, so the events of a removed source are still found by its name. Events that are not about one source (a new key, a config change) are returned only when -Source is not given.

Get-DcAuditEvent only reads: it never writes to the catalog, nor prunes old events. A catalog written before the audit trail existed (by an older DataCompass or by the Python tool) has no events, and returns none without an error. An event whose stored record is damaged is still returned, with what could be read of it, after a DcAuditEventInvalid error that names it.
'@

    Parameters   = @{
        Source   = 'The names of the sources whose events to get; wildcards are supported and case is ignored. A name that matches no event returns nothing, without an error: a removed source''s events are found by its name. By default, every event, including those about no source. Takes strings from the pipeline, and the Name (or Source) property of piped objects, so Get-DcSource output can be piped; an empty pipeline, or a piped object that names no source, gets nothing.'
        Action   = 'Gets only events of these actions: add, set, import, remove, convert, move, rotate-secret, encrypt, rotate-key, new-key, remove-key, set-config, protect-database, unprotect-database or resolve. Wildcards are supported (rotate-*) and case is ignored; a name or pattern that matches no action is an error (DcAuditActionInvalid).'
        Since    = 'Gets only events at or after this time. A time without a zone (Get-Date, or [datetime] ''2024-05-01 12:00'') is local time; it is converted to UTC, in which events are stored, to the microsecond.'
        Until    = 'Gets only events at or before this time, local unless it is a UTC time, as for -Since. A time before -Since is an error (DcAuditTimeRangeInvalid).'
        Last     = 'Gets only the newest this many events of those that match the other filters. They are still returned oldest first. Piped sources of one catalog share the count; sources piped from several catalogs get it for each catalog.'
        Database = 'The catalog database file to read. By default $env:DATACOMPASS_DATA_DIR/datacompass.db, else ~/.datacompass/datacompass.db. Piped sources are read from the catalog in their Database property, unless -Database is given. Each returned event records it in its Database property. It may also be a postgresql://user:${VARIABLE}@host:port/database address (password as ${VARIABLE} or ${secret:Vault/Name}), and $env:DATACOMPASS_DATABASE_URL, when set, comes before $env:DATACOMPASS_DATA_DIR: the catalog then lives on that PostgreSQL server, and the config and key files in this machine''s data folder.'
    }

    Examples     = @(
        @{
            Title   = 'See the latest changes to the catalog'
            Code    = @'
Get-DcAuditEvent -Last 20
'@
            Remarks = 'The newest 20 events, oldest first: time (UTC), action, source, user, command, outcome and the field changes, for example password: plaintext -> ${secret:Store/DataCompass-prod-password}.'
        }
        @{
            Title   = 'What happened to one source this week'
            Code    = @'
Get-DcAuditEvent -Source prod -Since (Get-Date).AddDays(-7)
'@
            Remarks = 'The events of the source prod from the last seven days. They are found even after prod was removed.'
        }
        @{
            Title   = 'The secret changes of the sources Get-DcSource finds'
            Code    = @'
Get-DcSource -Name 'pg-*' | Get-DcAuditEvent -Action convert, rotate-secret, set
'@
            Remarks = 'Each piped source is looked up in the catalog it was read from; the events of them all come back as one trail, oldest first.'
        }
        @{
            Title   = 'Who removed sources, and from where'
            Code    = @'
Get-DcAuditEvent -Action remove | Select-Object Time, Source, User, Machine, ProcessId, Command
'@
            Remarks = 'Time is in UTC; (Get-DcAuditEvent -Last 1).Time.ToLocalTime() shows it in local time.'
        }
        @{
            Title   = 'The actions that failed, in full'
            Code    = @'
Get-DcAuditEvent -Since '2024-01-01' | Where-Object Outcome -eq 'failed' | Format-List
'@
            Remarks = 'The list view shows every property of an event: its ErrorId, each field change on its own line, and the Details.'
        }
    )

    Outputs      = 'DataCompass.DcAuditEvent: Id, Time (UTC), Action, Source, SourceId, User, Machine, ProcessId, HostName, Command, Outcome, ErrorId, Fields (DataCompass.DcAuditFieldChange: Field, Old, New), Details, Database and Changes (the field changes on one line). It holds no secret value.'

    Notes        = @'
Errors (ErrorId): DcCatalogNotFound when the catalog database does not exist (the message names the path and whether it came from -Database, $env:DATACOMPASS_DATA_DIR or the default location: a mistyped path is never read as an empty trail) (stops the command). DcAuditActionInvalid for an -Action that names no action, and DcAuditTimeRangeInvalid for an -Until before -Since, stop the command before anything is read. DcAuditEventInvalid, non-terminating, for an event whose stored fields, context or time cannot be read; the event is still returned. DcDatabaseUnavailable, DcDatabaseInvalid and DcPathNotFileSystem stop the command.
'@

    RelatedLinks = @(
        'Get-DcSource'
        'Remove-DcSource'
        'Set-DcSourceSecret'
        'Convert-DcSourceSecret'
        'about_DataCompass'
    )
}
