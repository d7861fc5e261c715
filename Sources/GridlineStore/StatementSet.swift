/// Statements a store component prepares once per connection and holds directly, obtained
/// with `Database.statements(_:)`. Writer or reader thread only, like the connection.
protocol StatementSet: AnyObject {
    init(database: Database) throws(SQLiteError)
}
