// What the C++ SDK's packet classes with user properties share (lib/packet_classes.ts): their
// fluent user-property setters. The field itself stays declared by each class, so an instance's
// own properties and their order are those of its class (the base declares it abstract).
import type * as p from './mqtt5_packet';

/** The user-property setters of the C++ packet classes (C++ `WithUserProperties`, `WithUserProperty`). */
export abstract class PacketWithUserProperties {
    abstract userProperties?: p.UserProperty[];

    /** Replaces the user properties with a copy of `properties`. */
    withUserProperties(properties: p.UserProperty[]): this {
        this.userProperties = [...properties];
        return this;
    }
    /** Appends one user property. */
    withUserProperty(property: p.UserProperty): this {
        (this.userProperties ??= []).push(property);
        return this;
    }
}
